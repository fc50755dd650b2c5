/**
 * The `X-AnchorMailbox` routing hint (reference §2.7): the service routes a request to the backend that holds the
 * anchor mailbox, so a hint that names the target mailbox saves a proxy hop.
 */
import type { AccessToken, CmdletParameters } from '@exops/contracts';

/** The system mailbox the V3 module anchors app-only calls on. */
const APP_ONLY_SYSTEM_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';
const SMTP_PATTERN = /^[^\s@:\\/]+@[^\s@:\\/]+\.[^\s@:\\/]+$/;
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RoutingHint {
  readonly anchorMailbox: string;
  /** True when the hint came from a cmdlet parameter (the module then sends `parameter-based-routing: true`). */
  readonly parameterBased: boolean;
}

/**
 * The hint for one call: from `-Identity` when it is an SMTP address or a GUID (or `mbx:\folder` form), else the
 * signed-in user, else (app-only) the organization's system mailbox.
 */
export function buildRoutingHint(token: AccessToken, parameters: CmdletParameters, organization: string): RoutingHint {
  const identity = parameters['Identity'] ?? parameters['identity'];
  if (typeof identity === 'string') {
    const mailboxPart = identity.includes(':\\') ? identity.slice(0, identity.indexOf(':\\')) : identity;
    if (SMTP_PATTERN.test(mailboxPart)) return { anchorMailbox: `SMTP:${mailboxPart}`, parameterBased: true };
    if (GUID_PATTERN.test(mailboxPart)) return { anchorMailbox: `MBX:${mailboxPart}@${token.tenantId}`, parameterBased: true };
  }
  if (token.kind === 'delegated' && token.user !== undefined) return { anchorMailbox: `UPN:${token.user}`, parameterBased: false };
  return { anchorMailbox: `APP:${APP_ONLY_SYSTEM_MAILBOX}@${organization}`, parameterBased: false };
}
