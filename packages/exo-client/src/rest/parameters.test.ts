import { describe, expect, it } from 'vitest';
import { createPSDictionary, PSPrimitive } from '@exops/contracts';
import { buildInvokeCommandBody, encodeRestParameters, formatRestDate } from './parameters.js';

describe('REST parameter encoding (reference §2.4)', () => {
  it('encodes switches, nulls, numbers and strings as JSON', () => {
    expect(encodeRestParameters({ Identity: 'a@contoso.com', Confirm: false, Force: true, Note: null, ResultSize: 5 })).toEqual({
      Identity: 'a@contoso.com', Confirm: false, Force: true, Note: null, ResultSize: 5,
    });
  });

  it('tags hashtables, recursively, and collections of hashtables', () => {
    expect(encodeRestParameters({ EmailAddresses: { Add: 'x@contoso.com', Inner: { A: 1 } } })).toEqual({
      EmailAddresses: { Add: 'x@contoso.com', Inner: { A: 1, '@odata.type': '#Exchange.GenericHashTable' }, '@odata.type': '#Exchange.GenericHashTable' },
    });
    const out = encodeRestParameters({ Rules: [{ A: 1 }, { B: 2 }] });
    expect(out['Rules@odata.type']).toBe('#Collection(Exchange.GenericHashTable)');
    expect(encodeRestParameters({ H: createPSDictionary([['k', 'v']]) })).toEqual({ H: { k: 'v', '@odata.type': '#Exchange.GenericHashTable' } });
  });

  it('encodes byte arrays and collections of them', () => {
    expect(encodeRestParameters({ Picture: new Uint8Array([1, 2, 3]) })).toEqual({ Picture: { '@odata.type': '#Exchange.ByteArrayType', Data: 'AQID' } });
    expect(encodeRestParameters({ Certs: [new Uint8Array([1]), new Uint8Array([2])] })).toEqual({
      Certs: [{ Data: 'AQ==' }, { Data: 'Ag==' }],
      'Certs@odata.type': '#Collection(Exchange.ByteArrayType)',
    });
  });

  it('writes dates as UTC sortable strings and refuses invalid ones', () => {
    expect(formatRestDate(new Date('2026-01-31T23:15:00+02:00'))).toBe('2026-01-31T21:15:00');
    expect(() => formatRestDate(new Date('nope'))).toThrow(/not a valid date/);
  });

  it('rewrites $true/$false in filters and keeps exact 64-bit values', () => {
    expect(encodeRestParameters({ Filter: 'LitigationHoldEnabled -eq $true' })).toEqual({ Filter: "LitigationHoldEnabled -eq 'True'" });
    expect(encodeRestParameters({ Big: 18446744073709551615n, Dec: new PSPrimitive('D', '1.10') })).toEqual({ Big: '18446744073709551615', Dec: '1.10' });
  });

  it('refuses SecureStrings and non-finite numbers with a remedy', () => {
    expect(() => encodeRestParameters({ Password: new PSPrimitive('SS', 'abc') })).toThrow(/SecureString/);
    expect(() => encodeRestParameters({ N: Number.NaN })).toThrow(/finite/);
  });

  it('builds the body the module sends', () => {
    expect(JSON.parse(buildInvokeCommandBody('Get-Mailbox', { ResultSize: 'Unlimited' }))).toEqual({
      CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { ResultSize: 'Unlimited' } },
    });
  });
});
