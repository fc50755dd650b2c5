import { describe, expect, it } from 'vitest';
import { redactHeaders, redactText, REDACTION_MARKER } from './redact.js';

// Built at run time so no token-shaped literal sits in the repository.
const fakeJwt = [{ alg: 'RS256' }, { upn: 'a@b.c' }].map((o) => Buffer.from(JSON.stringify(o)).toString('base64url')).join('.') + '.c2ln';

describe('redaction', () => {
  it('removes JWTs, bearer values, Basic payloads, form secrets and PEM keys', () => {
    const basic = Buffer.from(`a@b.c:Bearer ${fakeJwt}`).toString('base64');
    const text = [
      `token ${fakeJwt}`,
      `Authorization: Bearer abc.def`,
      `Authorization: Basic ${basic}`,
      `grant_type=password&password=hunter22&refresh_token=0.AAA`,
      '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
    ].join('\n');
    const out = redactText(text);
    for (const secret of [fakeJwt, 'abc.def', basic, 'hunter22', '0.AAA', 'MIIE']) expect(out).not.toContain(secret);
    expect(out).toContain(REDACTION_MARKER);
  });

  it('leaves prose alone', () => {
    const prose = 'WinRM Basic authentication is disabled; a Bearer token is needed; error code: 2; the password was wrong.';
    expect(redactText(prose)).toBe(prose);
    expect(redactText('{"refresh_token": "0.AAAbbb", "code": "BadRequest"}')).toBe(`{"refresh_token": "${REDACTION_MARKER}", "code": "BadRequest"}`);
  });

  it('removes known secrets verbatim and credential headers by name', () => {
    expect(redactText('pw is s3cr3t-value', ['s3cr3t-value'])).toBe(`pw is ${REDACTION_MARKER}`);
    expect(redactHeaders({ Authorization: 'x', 'Content-Type': 'a', Cookie: ['c=1'] })).toEqual({
      Authorization: REDACTION_MARKER,
      'Content-Type': 'a',
      Cookie: REDACTION_MARKER,
    });
  });
});
