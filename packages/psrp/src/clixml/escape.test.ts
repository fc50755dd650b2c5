import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadPsrpcoreOracle } from '@exops/test-vectors';
import { escapeClixmlString, unescapeClixmlString } from './escape.js';

interface EscapeCase { input: string; clixml: string }

const xmlUnescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('escapeClixmlString / unescapeClixmlString', () => {
  for (const c of loadPsrpcoreOracle()['string_escape'] as EscapeCase[]) {
    const body = xmlUnescape(c.clixml.replace(/^<S>|<\/S>$/g, ''));
    it(`matches psrpcore for ${JSON.stringify(c.input)}`, () => {
      expect(escapeClixmlString(c.input)).toBe(body);
      expect(unescapeClixmlString(body)).toBe(c.input);
    });
  }

  it('decodes case-insensitively and leniently', () => {
    expect(unescapeClixmlString('_x000a_')).toBe('\n');
    expect(unescapeClixmlString('_X000A_')).toBe('\n');
    expect(unescapeClixmlString('Order_x005f_x0020_')).toBe('Order_x0020_');
    // Not escapes: kept as written.
    expect(unescapeClixmlString('_x001G_')).toBe('_x001G_');
    expect(unescapeClixmlString('_x00')).toBe('_x00');
    expect(unescapeClixmlString('_x0041')).toBe('_x0041');
    expect(unescapeClixmlString('__x0041_')).toBe('_A');
    expect(unescapeClixmlString('a_b_c')).toBe('a_b_c');
    expect(unescapeClixmlString('_')).toBe('_');
  });

  it('decodes .NET 8-digit escapes and lone surrogates', () => {
    expect(unescapeClixmlString('_x0001D11E_')).toBe('\u{1D11E}');
    expect(unescapeClixmlString('_xD834__xDD1E_')).toBe('\u{1D11E}');
    expect(unescapeClixmlString('_xD83C_')).toBe('\uD83C');
    expect(unescapeClixmlString('_x00110000_')).toBe('_x00110000_');
  });

  it('escapes only what needs it', () => {
    expect(escapeClixmlString('plain text')).toBe('plain text');
    expect(escapeClixmlString('a_b')).toBe('a_b');
    expect(escapeClixmlString('_x')).toBe('_x005F_x');
    expect(escapeClixmlString('\u0085\u00a0')).toBe('_x0085_\u00a0');
    expect(escapeClixmlString('\ufffd\ufffe\uffff')).toBe('\ufffd_xFFFE__xFFFF_');
  });

  it('round-trips any UTF-16 string, lone surrogates included', () => {
    const pieces = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom('_x', '_X', '_x0041_', '_x005F_', '\r\n', '\t', '\u0000', '\uD800', '\uDFFF', '\u{1F600}', '_'),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 8 }), (parts) => {
        const value = parts.join('');
        const escaped = escapeClixmlString(value);
        expect(escaped).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufffe\uffff]/);
        expect(unescapeClixmlString(escaped)).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });
});
