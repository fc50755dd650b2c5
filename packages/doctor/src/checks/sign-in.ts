import { ExopsErrorCode, isExopsError, redactText } from '@exops/contracts';
import type { DoctorCheck, TokenClaimsSummary } from '../types.js';
import { fail, pass, warn } from './outcome.js';

/** The app id of "Office 365 Exchange Online", which tokens may carry as `aud` instead of the URI. */
export const EXCHANGE_RESOURCE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
/** Delegated scopes that let a token run Exchange cmdlets (V3 module; Admin API preview). */
export const DELEGATED_EXCHANGE_SCOPES = ['Exchange.Manage', 'Exchange.ManageV2'] as const;
/** App-only roles (reference §1.5). */
export const APP_EXCHANGE_ROLES = ['Exchange.ManageAsApp', 'Exchange.ManageAsAppV2'] as const;

/** Below this many seconds left, a token is about to expire. */
const SHORT_VALIDITY_MS = 5 * 60_000;
const CLOCK_TOLERANCE_MS = 60_000;
const CLOCK_FAIL_MS = 5 * 60_000;

/** The remedies for the SSO user mismatch (reference §3.5). */
export const USER_MISMATCH_REMEDIES =
  "The browser, WAM or the token cache signed in another account (single sign-on). Either: sign that account out of " +
  'the browser, or use a private window (--flow interactive), or --flow device-code and pick the right account; ' +
  'or use --credential to sign in with user name and password (the SSO workaround); or drop --upn to accept the ' +
  'signed-in account.';

function mismatchText(returned: string, requested: string): string {
  return `User '${returned}' returned by service does not match user '${requested}' in the request`;
}

function audienceMatches(audience: string | undefined, resource: string): boolean {
  if (audience === undefined) return true;
  const a = audience.replace(/\/$/, '').toLowerCase();
  return a === resource.replace(/\/$/, '').toLowerCase() || a === EXCHANGE_RESOURCE_APP_ID;
}

function describeToken(t: TokenClaimsSummary, now: Date): string {
  const minutes = Math.round((t.expiresOn.getTime() - now.getTime()) / 60_000);
  return [
    `kind: ${t.kind}`,
    `user: ${t.user ?? '(app-only)'}`,
    `tenant: ${t.tenantId}`,
    `client: ${t.clientId}`,
    `audience: ${t.audience ?? '(not given)'}`,
    `${t.kind === 'app' ? 'roles' : 'scopes'}: ${t.scopes.length === 0 ? '(none)' : t.scopes.join(' ')}`,
    `expires: ${t.expiresOn.toISOString()} (${minutes} min from now)`,
    ...(t.issuedAt === undefined ? [] : [`issued: ${t.issuedAt.toISOString()}`]),
  ].join('\n');
}

/** A token is obtained with the chosen flow and is fit for Exchange: user, audience, scopes or roles, lifetime. */
export const signInCheck: DoctorCheck = {
  id: 'sign-in',
  title: 'Sign-in',
  dependsOn: ['authority', 'clock-skew'],
  requires: ['token'],
  // Interactive and device-code flows wait for the user.
  timeoutMs: 5 * 60_000,
  failureRemedy: 'Sign-in did not complete: run again and finish the browser or device-code step, or pick another --flow.',
  async run(context) {
    let token: TokenClaimsSummary;
    try {
      token = await context.probes.token!.acquire();
    } catch (error) {
      const message = redactText(error instanceof Error ? error.message : String(error));
      if ((isExopsError(error) && error.code === ExopsErrorCode.AUTH_USER_MISMATCH) || /returned by service does not match user/i.test(message)) {
        return fail(`Signed in as another user: ${message}`, USER_MISMATCH_REMEDIES, `flow: ${context.flow}`);
      }
      throw error;
    }
    const now = context.now();
    const detail = describeToken(token, now);
    const { resource } = context.environment;

    if (context.upn !== undefined && token.kind === 'delegated' && token.user?.toLowerCase() !== context.upn.toLowerCase()) {
      return fail(`Signed in as another user: ${mismatchText(token.user ?? '', context.upn)}`, USER_MISMATCH_REMEDIES, detail);
    }
    if (!audienceMatches(token.audience, resource)) {
      return fail(
        `The token is for '${token.audience}', not Exchange Online (${resource}).`,
        `Request the scope ${resource}/.default; with --environment ${context.environment.name} exops does this itself, so check --resource and --connection-uri overrides.`,
        detail,
      );
    }
    if (token.kind === 'app') {
      if (!token.scopes.some((s) => (APP_EXCHANGE_ROLES as readonly string[]).includes(s))) {
        return fail(
          `The app-only token has no Exchange.ManageAsApp role.`,
          `In Entra ID > App registrations > ${token.clientId} > API permissions, add "Office 365 Exchange Online" (${EXCHANGE_RESOURCE_APP_ID}) > Application permissions > Exchange.ManageAsApp and grant admin consent; then assign the app an Entra role such as Exchange Administrator.`,
          detail,
        );
      }
    } else if (token.scopes.length === 0) {
      return fail('The delegated token carries no scopes.', `Request ${resource}/.default with the Exchange PowerShell client; if the tenant blocks user consent, an admin must consent to it once.`, detail);
    } else if (!token.scopes.some((s) => (DELEGATED_EXCHANGE_SCOPES as readonly string[]).includes(s))) {
      return warn(
        `The token's scopes (${token.scopes.join(' ')}) do not include Exchange.Manage.`,
        `Sign in with the Exchange Online PowerShell client and ${resource}/.default; a custom --client-id needs the delegated permission Exchange.Manage on "Office 365 Exchange Online".`,
        detail,
      );
    }

    const leftMs = token.expiresOn.getTime() - now.getTime();
    if (leftMs <= 0) {
      return fail(
        `The token expired ${Math.round(-leftMs / 60_000)} min ago by this machine's clock.`,
        'If the clock is right, sign in again (exops renews tokens itself); if clock-skew warns, fix the clock first.',
        detail,
      );
    }
    if (token.issuedAt !== undefined) {
      const ahead = token.issuedAt.getTime() - now.getTime();
      if (ahead > CLOCK_FAIL_MS) {
        return fail(`The token was issued ${Math.round(ahead / 60_000)} min in this machine's future: the local clock is behind.`, 'Synchronise the clock (w32tm /resync, timedatectl set-ntp true); see clock-skew.', detail);
      }
      if (ahead > CLOCK_TOLERANCE_MS) {
        return warn(`The token was issued ${Math.round(ahead / 1000)} s in this machine's future: the local clock is behind.`, 'Synchronise the clock (w32tm /resync, timedatectl set-ntp true); see clock-skew.', detail);
      }
    }
    if (leftMs < SHORT_VALIDITY_MS) {
      return warn(
        `The token expires in ${Math.round(leftMs / 1000)} s.`,
        'Nothing to do for exops, which renews before expiry; a tool that cannot renew will fail within minutes: sign in again before long jobs.',
        detail,
      );
    }
    const who = token.kind === 'app' ? `app ${token.clientId} (app-only)` : token.user ?? '(unknown user)';
    return pass(`Signed in as ${who} with ${context.flow}; the token is valid for ${Math.round(leftMs / 60_000)} min.`, detail);
  },
};
