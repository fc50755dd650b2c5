/**
 * Splits a command line as `exops shell` reads it (`Get-Mailbox -Identity 'Chris Green' -ResultSize 5`) into
 * tokens: white space separates them except inside quotes, `@{…}` and `@(…)`.
 */
import { ExopsError, ExopsErrorCode } from '@exops/contracts';

export function tokenizeCommandLine(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote = '';
  let depth = 0;
  let started = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (quote !== '') {
      current += ch;
      if (ch === '`' && quote === '"' && i + 1 < line.length) {
        current += line[i + 1];
        i += 1;
      } else if (ch === quote) {
        if (line[i + 1] === quote) {
          current += quote;
          i += 1;
        } else quote = '';
      }
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
      started = true;
      continue;
    }
    if (ch === '{' || ch === '(') depth += 1;
    if ((ch === '}' || ch === ')') && depth > 0) depth -= 1;
    if (/\s/.test(ch) && depth === 0) {
      if (started) tokens.push(current);
      current = '';
      started = false;
      continue;
    }
    current += ch;
    started = true;
  }
  if (quote !== '' || depth > 0) {
    throw new ExopsError(ExopsErrorCode.EXO_PARAMETER, quote !== '' ? `The command line has an unclosed ${quote} quote.` : 'The command line has an unclosed @{ or @(.', {
      remedy: 'Close the quote or bracket and run it again.',
    });
  }
  if (started) tokens.push(current);
  return tokens;
}
