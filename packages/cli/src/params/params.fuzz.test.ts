/**
 * Fuzzing the CLI's parameter parser (deterministic CI slice): tokenizeCommandLine, parsePowerShellValue and
 * bindArguments on mutated admin command lines and generated values. Only EXO_PARAMETER errors may escape, no input may
 * take a second, and what parses must mean what was typed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExopsErrorCode } from '@exops/contracts';
import { mutateText, mutatedFrom, mutationArbitrary, typedOnly as typedOnlyCodes, type Mutation } from '@exops/test-vectors';
import type { CmdletParameterValue } from '@exops/contracts';
import { bindArguments, parsePowerShellValue, tokenizeCommandLine, type CmdletMetadata } from './index.js';

const SEED = 0x9a2a_3e75;

const lineSeeds = [
  "Get-Mailbox -Identity 'Chris Green' -ResultSize 5",
  'Set-Mailbox -Identity alex.wilber@contoso.com -EmailAddresses @{Add="smtp:a@contoso.com"; Remove=\'smtp:b@contoso.com\'} -Confirm:$false',
  'New-TransportRule -Name "Block `"x`"" -SentTo a,b,c -Priority 0 -Enabled:$true -ExceptIfFrom @(\'x\',\'y\')',
  'Get-EXOMailbox -Filter "RecipientTypeDetails -eq \'SharedMailbox\'" -Properties @() -ResultSize Unlimited -WhatIf',
  "Set-OrganizationConfig -AuditDisabled:$false -MaxQuota 2147483648 -Ratio 1.5e3 -Nothing $null -Nested @{a=@{b=@(1,@(2,3))}}",
];

const metadata: CmdletMetadata = {
  name: 'Set-Mailbox',
  parameters: [
    { name: 'Identity', position: 0, mandatory: true, type: 'MailboxIdParameter' },
    { name: 'EmailAddresses', aliases: ['ea2'] },
    { name: 'DisplayName', position: 1 },
    { name: 'Force', isSwitch: true },
    { name: 'ResultSize' },
  ],
};

const PIECES = ["'", '"', '`', '@{', '@(', '}', ')', ',', ';', '=', '-', ':', '$true', '$null', ' ', '\t', '-Identity', '-Confirm:', '-__proto__', '__proto__', 'constructor', '9'.repeat(30), '\u0000', '\u2028'];

const lineMutation: fc.Arbitrary<Mutation<'flip' | 'truncate' | 'insert' | 'delete' | 'splice' | 'duplicate', string>> = mutationArbitrary(
  ['flip', 'truncate', 'insert', 'delete', 'splice', 'duplicate'] as const,
  fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 })),
);

const mutatedLine: fc.Arbitrary<string> = mutatedFrom(lineSeeds, lineMutation, (input, m, other) =>
  mutateText(input, m, other, { deleteMax: 16, duplicateMax: 32, duplicateTimes: 300 }),
);

const typedOnly = (fn: () => void): 'ok' | 'error' => typedOnlyCodes([ExopsErrorCode.EXO_PARAMETER], fn);

/** PowerShell source for a value, as an admin would type it. */
function toPowerShell(value: CmdletParameterValue): string {
  if (value === null) return '$null';
  if (value === true) return '$true';
  if (value === false) return '$false';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (Array.isArray(value)) return `@(${value.map(toPowerShell).join(',')})`;
  return `@{${Object.entries(value as Record<string, CmdletParameterValue>).map(([k, v]) => `'${k.replace(/'/g, "''")}'=${toPowerShell(v)}`).join('; ')}}`;
}

const valueArbitrary: fc.Arbitrary<CmdletParameterValue> = fc.letrec<{ value: CmdletParameterValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<CmdletParameterValue>(null, true, false),
    fc.integer({ min: -2147483648, max: 2147483647 }),
    fc.bigInt({ min: 2n ** 31n, max: 2n ** 70n }),
    fc.string({ maxLength: 12 }),
    // @(x) of one array flattens in PowerShell too: generate lists of two or more.
    fc.array(tie('value'), { minLength: 2, maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'toString')), tie('value'), { maxKeys: 3 }),
  ),
})).value;

describe('parameter parser under mutation', () => {
  it('the seeds parse', () => {
    for (const line of lineSeeds) expect(() => bindArguments(tokenizeCommandLine(line).slice(1))).not.toThrow();
  });

  it('mutated command lines tokenize, bind with and without metadata, or fail with EXO_PARAMETER', () => {
    let errors = 0;
    fc.assert(
      fc.property(mutatedLine, (line) => {
        let tokens: string[] = [];
        const outcome = typedOnly(() => {
          tokens = tokenizeCommandLine(line);
          // Joining the tokens again gives the same tokens: nothing typed is lost or merged.
          expect(tokenizeCommandLine(tokens.join(' '))).toEqual(tokens);
        });
        if (outcome === 'error') errors++;
        else {
          typedOnly(() => {
            const bound = bindArguments(tokens.slice(1));
            expect(Object.getPrototypeOf(bound)).toBe(Object.prototype);
          });
          typedOnly(() => void bindArguments(tokens.slice(1), metadata));
        }
      }),
      { seed: SEED, numRuns: 2_000 },
    );
    expect(errors).toBeGreaterThan(150);
  });

  it('parsePowerShellValue on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.constantFrom(...PIECES, 'a', '1'), { maxLength: 30 }).map((p) => p.join(''))), (text) => {
        typedOnly(() => void parsePowerShellValue(text));
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it('a value written as PowerShell parses back to itself (keys like __proto__ included)', () => {
    fc.assert(
      fc.property(valueArbitrary, (value) => {
        const parsed = parsePowerShellValue(toPowerShell(value));
        expect(parsed).toEqual(value);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) expect(Object.keys(parsed as object)).toEqual(Object.keys(value));
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('regressions: deep nesting is a typed error, not a stack overflow; __proto__ is a key, not the prototype', () => {
    for (const text of ['@('.repeat(20_000), '@('.repeat(20_000) + ')'.repeat(20_000), '@{a='.repeat(20_000)]) {
      expect(() => parsePowerShellValue(text)).toThrow(expect.objectContaining({ code: ExopsErrorCode.EXO_PARAMETER }));
    }
    expect(() => parsePowerShellValue('@('.repeat(100_000) + ')'.repeat(100_000))).toThrow(expect.objectContaining({ message: expect.stringMatching(/nested deeper than 100 levels/) }));
    expect(parsePowerShellValue('@('.repeat(50) + '1,2' + ')'.repeat(50))).toEqual([1, 2]);
    const table = parsePowerShellValue("@{__proto__=@{polluted='yes'}; b=1}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect(Object.keys(table)).toEqual(['__proto__', 'b']);
    expect(JSON.stringify(table)).toBe('{"__proto__":{"polluted":"yes"},"b":1}');
    // Found by the long fuzz run: the duplicate check scanned every bound name per token (8,000 parameters: 48 s).
    const many = Array.from({ length: 8_000 }, (_, i) => [`-p${i}`, 'v']).flat();
    const started = performance.now();
    expect(Object.keys(bindArguments(many))).toHaveLength(8_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(() => bindArguments(['-Identity', 'a', '-identity', 'b'])).toThrow(expect.objectContaining({ message: expect.stringMatching(/specified more than once/) }));
    const bound = bindArguments(['-__proto__', "@{polluted='yes'}"]);
    expect(Object.getPrototypeOf(bound)).toBe(Object.prototype);
    expect(JSON.stringify(bound)).toBe('{"__proto__":{"polluted":"yes"}}');
  });
});
