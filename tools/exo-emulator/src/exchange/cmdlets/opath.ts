/**
 * The OPATH subset Exchange's -Filter takes: comparisons (-eq -ne -like -notlike -gt -ge -lt -le), -and, -or,
 * -not and parentheses, values in single or double quotes, bare words, $true, $false and $null. Parsed once at
 * binding time (a syntax error is a binding error, as on the server); evaluated per object.
 */

/** A single value a filterable property reads as. */
export type FilterScalar = string | boolean | Date | number | null;
/** What a property reads as: a scalar, or a list for multi-valued properties (any element may match). */
export type FilterValue = FilterScalar | readonly string[];

/** A property accessor table: canonical name → reader. */
export type FilterProperties<T> = ReadonlyMap<string, (item: T) => FilterValue>;

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'compare'; property: string; operator: Operator; value: string | boolean | null };

type Operator = 'eq' | 'ne' | 'like' | 'notlike' | 'gt' | 'ge' | 'lt' | 'le';
const OPERATORS = new Set<string>(['eq', 'ne', 'like', 'notlike', 'gt', 'ge', 'lt', 'le']);

/** A filter that could not be parsed; `message` is Exchange's text (the binding layer wraps it). */
export class FilterSyntaxError extends Error {}

interface Token {
  readonly text: string;
  readonly kind: 'word' | 'quoted' | 'op' | 'lparen' | 'rparen' | 'variable';
  readonly position: number;
}

function invalid(filter: string, position: number): FilterSyntaxError {
  return new FilterSyntaxError(`Invalid filter syntax. For a description of the filter parameter syntax see the command help.\r\n"${filter}" at position ${position + 1}.`);
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ text: c, kind: c === '(' ? 'lparen' : 'rparen', position: i });
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= filter.length) throw invalid(filter, i);
        const d = filter[j] as string;
        if (d === c) {
          // A doubled quote inside a quoted string is one literal quote, as in PowerShell.
          if (filter[j + 1] === c) {
            text += c;
            j += 2;
            continue;
          }
          break;
        }
        text += d;
        j++;
      }
      tokens.push({ text, kind: 'quoted', position: i });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < filter.length && !/[\s()]/.test(filter[j] as string)) j++;
    const text = filter.slice(i, j);
    if (text.startsWith('-') && /^-[a-z]+$/i.test(text)) tokens.push({ text: text.slice(1).toLowerCase(), kind: 'op', position: i });
    else if (text.startsWith('$')) tokens.push({ text: text.slice(1).toLowerCase(), kind: 'variable', position: i });
    else tokens.push({ text, kind: 'word', position: i });
    i = j;
  }
  return tokens;
}

/** A compiled filter. */
export interface CompiledFilter<T> {
  readonly text: string;
  matches(item: T): boolean;
}

/**
 * Parses `filter` against the properties a cmdlet can filter on. Throws {@link FilterSyntaxError} with Exchange's
 * text for a syntax error or an unknown property.
 */
export function compileFilter<T>(filter: string, properties: FilterProperties<T>): CompiledFilter<T> {
  const tokens = tokenize(filter);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const endPosition = (): number => filter.length;
  const lookup = new Map<string, string>();
  for (const name of properties.keys()) lookup.set(name.toLowerCase(), name);

  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek()?.kind === 'op' && peek()?.text === 'or') {
      at++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseNot();
    while (peek()?.kind === 'op' && peek()?.text === 'and') {
      at++;
      left = { kind: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): Node => {
    const t = peek();
    if (t?.kind === 'op' && t.text === 'not') {
      at++;
      return { kind: 'not', operand: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): Node => {
    const t = peek();
    if (t === undefined) throw invalid(filter, endPosition());
    if (t.kind === 'lparen') {
      at++;
      const inner = parseOr();
      const close = peek();
      if (close?.kind !== 'rparen') throw invalid(filter, close?.position ?? endPosition());
      at++;
      return inner;
    }
    if (t.kind !== 'word') throw invalid(filter, t.position);
    at++;
    const property = lookup.get(t.text.toLowerCase());
    if (property === undefined) {
      throw new FilterSyntaxError(`'${t.text}' is not a recognized filterable property. For a list of filterable properties see the command help.`);
    }
    const op = peek();
    if (op?.kind !== 'op' || !OPERATORS.has(op.text)) throw invalid(filter, op?.position ?? endPosition());
    at++;
    const v = peek();
    if (v === undefined) throw invalid(filter, endPosition());
    at++;
    let value: string | boolean | null;
    if (v.kind === 'quoted' || v.kind === 'word') value = v.text;
    else if (v.kind === 'variable' && (v.text === 'true' || v.text === 'false')) value = v.text === 'true';
    else if (v.kind === 'variable' && v.text === 'null') value = null;
    else throw invalid(filter, v.position);
    return { kind: 'compare', property, operator: op.text as Operator, value };
  };

  const root = parseOr();
  if (at < tokens.length) throw invalid(filter, tokens[at]?.position ?? endPosition());

  const evaluate = (node: Node, item: T): boolean => {
    switch (node.kind) {
      case 'and':
        return evaluate(node.left, item) && evaluate(node.right, item);
      case 'or':
        return evaluate(node.left, item) || evaluate(node.right, item);
      case 'not':
        return !evaluate(node.operand, item);
      case 'compare': {
        const read = properties.get(node.property);
        const actual = read === undefined ? null : read(item);
        return compare(actual, node.operator, node.value);
      }
    }
  };
  return { text: filter, matches: (item) => evaluate(root, item) };
}

function wildcardRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

function isEmpty(value: FilterValue): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function compare(actual: FilterValue, operator: Operator, expected: string | boolean | null): boolean {
  if (operator === 'ne') return !compare(actual, 'eq', expected);
  if (operator === 'notlike') return !compare(actual, 'like', expected);
  if (expected === null) return operator === 'eq' ? isEmpty(actual) : false;
  if (Array.isArray(actual)) {
    return actual.some((element: string) => compare(element, operator, expected) || compare(element.replace(/^[a-z0-9]+:/i, ''), operator, expected));
  }
  const scalar = actual as FilterScalar;
  const text = String(expected);
  if (scalar === null) return false;
  if (typeof scalar === 'boolean') {
    const wanted = typeof expected === 'boolean' ? expected : text.toLowerCase() === 'true' ? true : text.toLowerCase() === 'false' ? false : undefined;
    return operator === 'eq' || operator === 'like' ? scalar === wanted : false;
  }
  if (scalar instanceof Date) {
    const other = new Date(text).getTime();
    if (Number.isNaN(other)) return false;
    return ordered(scalar.getTime(), other, operator);
  }
  if (typeof scalar === 'number') {
    const other = Number(text);
    return Number.isNaN(other) ? false : ordered(scalar, other, operator);
  }
  if (operator === 'like') return wildcardRegExp(text).test(scalar);
  if (operator === 'eq') return scalar.toLowerCase() === text.toLowerCase();
  return ordered(scalar.toLowerCase().localeCompare(text.toLowerCase()), 0, operator);
}

function ordered(a: number, b: number, operator: Operator): boolean {
  switch (operator) {
    case 'eq':
    case 'like':
      return a === b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false;
  }
}

/** True when `text` matches a PowerShell wildcard pattern (`*` and `?`), case-insensitively. */
export function matchesWildcard(text: string, pattern: string): boolean {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i').test(text);
}
