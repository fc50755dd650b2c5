/**
 * Number text as .NET writes it in CLIXML: `XmlConvert.ToString(double)` uses the round-trip "R" format (shortest
 * digits since .NET Core 3.0), scientific notation from an exponent of 15 (7 for Single) or below -4 with a
 * two-digit signed exponent (`1E+15`, `1E-05`), and `INF`, `-INF`, `NaN` for the special values.
 */

function formatDigits(negative: boolean, digits: string, exponent: number, threshold: number): string {
  const sign = negative ? '-' : '';
  if (exponent >= threshold || exponent < -4) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const abs = Math.abs(exponent);
    return `${sign}${mantissa}E${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

function special(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'INF';
  if (value === -Infinity) return '-INF';
  return undefined;
}

function splitExponential(text: string): { digits: string; exponent: number } {
  const e = text.indexOf('e');
  const mantissa = text.slice(0, e).replace('-', '');
  return { digits: mantissa.replace('.', ''), exponent: Number(text.slice(e + 1)) };
}

/** A Double (`Db`) as .NET's round-trip format writes it. */
export function formatDouble(value: number): string {
  const s = special(value);
  if (s !== undefined) return s;
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const { digits, exponent } = splitExponential(value.toExponential());
  return formatDigits(value < 0, digits, exponent, 15);
}

/** A Single (`Sg`): the shortest decimal that reads back as the same 32-bit float. */
export function formatSingle(value: number): string {
  const s = special(value);
  if (s !== undefined) return s;
  const single = Math.fround(value);
  if (single === 0) return Object.is(single, -0) ? '-0' : '0';
  let text = single.toExponential();
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = single.toExponential(precision - 1);
    if (Math.fround(Number(candidate)) === single) {
      text = candidate;
      break;
    }
  }
  const { digits, exponent } = splitExponential(text);
  return formatDigits(single < 0, digits.replace(/0+$/, '') || '0', exponent, 7);
}

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads `Db`/`Sg` text: decimal or scientific, and every spelling of the special values seen in the wild
 * (`INF`, `-INF`, `NaN` from .NET's XmlConvert, `Infinity` from double.ToString, `NAN` from psrpcore), any case.
 * Returns undefined for anything else.
 */
export function parseFloatText(text: string): number | undefined {
  const t = text.trim();
  if (FLOAT_TEXT.test(t)) return Number(t);
  switch (t.toLowerCase()) {
    case 'nan': case '+nan': case '-nan':
      return NaN;
    case 'inf': case '+inf': case 'infinity': case '+infinity': case '∞':
      return Infinity;
    case '-inf': case '-infinity': case '-∞':
      return -Infinity;
    default:
      return undefined;
  }
}
