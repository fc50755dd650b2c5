import { describe, expect, it } from 'vitest';
import type { Route } from '../types.js';
import { createRouter } from './router.js';

const ok = async () => ({ status: 200 });
const routes: Route[] = [
  { method: 'POST', path: '/adminapi/beta/:tenant/InvokeCommand', handler: ok },
  { method: 'GET', path: '/:tenant/oauth2/v2.0/authorize', handler: ok },
  { method: 'GET', path: '/devicelogin', handler: ok },
];

describe('createRouter', () => {
  const router = createRouter(routes);

  it('matches case-insensitively as IIS does and decodes parameters in their original spelling', () => {
    const found = router.lookup('post', '/AdminApi/Beta/Contoso%2Eonmicrosoft.com/invokecommand');
    expect(found).toMatchObject({ kind: 'match', match: { params: { tenant: 'Contoso.onmicrosoft.com' } } });
  });

  it('tolerates one trailing slash but not extra segments', () => {
    expect(router.lookup('GET', '/devicelogin/').kind).toBe('match');
    expect(router.lookup('GET', '/devicelogin/extra').kind).toBe('not-found');
  });

  it('answers 405 with the allowed methods when only the method is wrong, HEAD follows GET', () => {
    expect(router.lookup('DELETE', '/devicelogin')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(router.lookup('HEAD', '/devicelogin').kind).toBe('match');
  });

  it('does not let a parameter span segments and skips undecodable parameters', () => {
    expect(router.lookup('GET', '/a/b/oauth2/v2.0/authorize').kind).toBe('not-found');
    expect(router.lookup('GET', '/%E0%A4%A/oauth2/v2.0/authorize').kind).toBe('not-found');
  });

  it('refuses bad patterns when built', () => {
    expect(() => createRouter([{ method: 'GET', path: 'no-slash', handler: ok }])).toThrow(/must start with/);
    expect(() => createRouter([{ method: 'GET', path: '/:a/:a', handler: ok }])).toThrow(/repeats/);
  });
});
