import { describe, expect, it } from 'vitest';
import type { ExchangeHalf } from '../server.js';
import { createTestService } from './test-support/fixtures.js';

describe('the seam with the server', () => {
  it('is an ExchangeHalf: REST routes, admin routes relative to /_admin, the directory', () => {
    const service = createTestService();
    const half: ExchangeHalf = service;
    expect(half.routes.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /adminapi/beta/:tenant/InvokeCommand', 'POST /adminapi/beta/:tenant/$batch']);
    expect(half.adminRoutes.every((r) => r.path.startsWith('/') && !r.path.startsWith('/_admin'))).toBe(true);
    expect([...half.directory.tenants()].map((t) => t.defaultDomain)).toEqual(['contoso.com', 'fabrikam.com', 'northwindtraders.com']);
  });
});
