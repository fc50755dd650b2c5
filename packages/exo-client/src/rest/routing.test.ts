import { describe, expect, it } from 'vitest';
import type { AccessToken } from '@exops/contracts';
import { buildRoutingHint } from './routing.js';

const delegated: AccessToken = { token: 't', expiresOn: new Date(), user: 'admin@contoso.com', tenantId: 'tid', scopes: [], kind: 'delegated', clientId: 'c' };
const app: AccessToken = { ...delegated, user: undefined, kind: 'app' };

describe('X-AnchorMailbox (reference §2.7)', () => {
  it('anchors on an SMTP or GUID identity, then on the user, then on the system mailbox', () => {
    expect(buildRoutingHint(delegated, { Identity: 'chris@contoso.com' }, 'contoso.com')).toEqual({ anchorMailbox: 'SMTP:chris@contoso.com', parameterBased: true });
    expect(buildRoutingHint(delegated, { Identity: '7b5d4a3c-1111-2222-3333-444455556666' }, 'x').anchorMailbox).toBe('MBX:7b5d4a3c-1111-2222-3333-444455556666@tid');
    expect(buildRoutingHint(delegated, { Identity: 'chris@contoso.com:\\Calendar' }, 'x').anchorMailbox).toBe('SMTP:chris@contoso.com');
    expect(buildRoutingHint(delegated, { Identity: 'Chris' }, 'x')).toEqual({ anchorMailbox: 'UPN:admin@contoso.com', parameterBased: false });
    expect(buildRoutingHint(app, {}, 'contoso.onmicrosoft.com').anchorMailbox).toBe('APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com');
  });
});
