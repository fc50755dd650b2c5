import { ExopsError, ExopsErrorCode, isExopsError, redactText } from '@exops/contracts';
import type { SignInFlow } from '@exops/contracts';

/** What the error mapper needs to know to word a remedy. */
export interface MsalErrorContext {
  readonly flow: SignInFlow;
  /** The command that signs the user in again, named in remedies. */
  readonly signInCommand: string;
  readonly user?: string | undefined;
  /** Known secrets (a password) to strip from any text that is kept. */
  readonly secrets?: readonly string[];
  /** The network module's own error, which MSAL replaces with a bare `network_error`. */
  readonly takeNetworkError?: (() => ExopsError | undefined) | undefined;
}

/** The fields of an MSAL AuthError we read, by duck typing so no MSAL type leaks into our API. */
interface MsalLikeError {
  readonly errorCode?: unknown;
  readonly errorMessage?: unknown;
  readonly subError?: unknown;
  readonly errorNo?: unknown;
  readonly message?: unknown;
  readonly name?: unknown;
}

/** AADSTS codes that mean "a second factor or another interactive step is needed". */
const MFA_CODES = new Set([50076, 50079, 50074, 50158, 50072, 53004]);
const INTERACTION_ERRORS = new Set(['interaction_required', 'login_required', 'consent_required', 'bad_token', 'ui_not_allowed', 'interrupted_user']);
const INTERACTION_SUBERRORS = new Set(['basic_action', 'additional_action', 'message_only', 'user_password_expired', 'consent_required']);

/** The AADSTS number in an Entra error text (`AADSTS50076: ...`), if any. */
export function parseAadstsCode(text: string): number | undefined {
  const match = /AADSTS(\d{5,8})/.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  return line.trim();
}

/**
 * Turns whatever MSAL (or the network under it) threw into an ExopsError with a code and a remedy. Every text kept
 * is redacted first.
 */
export function mapMsalError(error: unknown, context: MsalErrorContext): ExopsError {
  if (isExopsError(error)) return error;
  const recorded = context.takeNetworkError?.();
  const e = (typeof error === 'object' && error !== null ? error : {}) as MsalLikeError;
  const msalCode = typeof e.errorCode === 'string' ? e.errorCode : '';
  // The device code poll reports any OAuth error but `authorization_pending` as post_request_failed: <error>.
  const errorCode =
    msalCode === 'post_request_failed' && typeof e.errorMessage === 'string' && /^[a-z_]+$/.test(e.errorMessage) ? e.errorMessage : msalCode;
  const subError = typeof e.subError === 'string' ? e.subError : '';
  const rawMessage =
    typeof e.errorMessage === 'string' && e.errorMessage !== ''
      ? e.errorMessage
      : typeof e.message === 'string'
        ? e.message
        : String(error);
  const secrets = context.secrets ?? [];
  const message = redactText(firstLine(rawMessage), secrets);
  const aadsts = parseAadstsCode(rawMessage) ?? (typeof e.errorNo === 'string' && e.errorNo !== '' ? Number(e.errorNo) : undefined);
  const details = { msalErrorCode: errorCode || undefined, subError: subError || undefined, aadsts, flow: context.flow };
  const opts = (remedy: string) => ({ cause: error, remedy, details });
  const who = context.user === undefined ? 'the account' : `'${context.user}'`;

  if (errorCode === 'device_code_polling_cancelled') {
    return new ExopsError(ExopsErrorCode.ABORTED, 'The device code sign-in was cancelled.', opts('Run the command again to sign in.'));
  }
  if (errorCode === 'device_code_expired' || errorCode === 'user_timeout_reached' || errorCode === 'expired_token') {
    return new ExopsError(
      ExopsErrorCode.AUTH_FAILED,
      'The device code expired before the sign-in was completed.',
      opts('Run the command again and enter the new code at the address shown within its lifetime (about 15 minutes).'),
    );
  }
  if (errorCode === 'authorization_declined' || errorCode === 'access_denied') {
    return new ExopsError(ExopsErrorCode.AUTH_ACCESS_DENIED, `The sign-in was declined: ${message}`, opts('Run the command again and accept the sign-in prompt.'));
  }
  if (recorded !== undefined && (errorCode === 'network_error' || errorCode === 'endpoints_resolution_error' || errorCode === 'openid_config_error')) {
    return recorded;
  }
  if (errorCode === 'network_error' || errorCode === 'endpoints_resolution_error' || errorCode === 'openid_config_error') {
    const tls = /certificate|self[- ]signed|SSL|TLS|CERT_/i.test(rawMessage);
    return new ExopsError(
      tls ? ExopsErrorCode.TLS : ExopsErrorCode.NETWORK,
      `Could not reach the sign-in service: ${message}`,
      opts(
        tls
          ? 'A TLS-inspecting proxy or a private CA is in the way: pass its CA certificate (PEM) with --ca-file; TLS verification stays on.'
          : 'Check the network, the proxy (HTTPS_PROXY / --proxy) and the --authority URL, then try again.',
      ),
    );
  }

  const mfa = aadsts !== undefined && MFA_CODES.has(aadsts);
  const interaction = mfa || INTERACTION_ERRORS.has(errorCode) || INTERACTION_SUBERRORS.has(subError);
  if (interaction && context.flow === 'credential') {
    return new ExopsError(
      ExopsErrorCode.AUTH_MFA_REQUIRED,
      `Multi-factor authentication (or another interactive step) is required for ${who}; a user name and password alone cannot sign in: ${message}`,
      opts(
        'Sign in interactively in the browser (drop --credential), or use device code sign-in (--device-code) on a machine without a browser.',
      ),
    );
  }
  if (interaction) {
    return new ExopsError(
      ExopsErrorCode.AUTH_INTERACTION_REQUIRED,
      `The sign-in for ${who} needs the user again: ${message}`,
      opts(`Sign in again with '${context.signInCommand}' (browser or --device-code).`),
    );
  }
  if (aadsts === 50126) {
    return new ExopsError(ExopsErrorCode.AUTH_FAILED, `Invalid user name or password for ${who}.`, opts('Check the user name and password and try again.'));
  }
  if (aadsts === 50053 || aadsts === 50055 || aadsts === 50057) {
    return new ExopsError(ExopsErrorCode.AUTH_FAILED, message, opts('The account is locked, disabled or its password expired: fix it in Entra ID, then sign in again.'));
  }
  if (aadsts === 700016 || aadsts === 90002 || aadsts === 900023) {
    return new ExopsError(
      ExopsErrorCode.AUTH_FAILED,
      message,
      opts('Check the application id (--app-id) and the tenant (--organization, a verified domain such as contoso.onmicrosoft.com).'),
    );
  }
  if (aadsts === 700027 || aadsts === 7000274 || aadsts === 700024) {
    return new ExopsError(
      ExopsErrorCode.AUTH_CERTIFICATE,
      message,
      opts("The certificate is not registered on the application: upload its public part under the app's Certificates & secrets, and check the clock."),
    );
  }
  if (aadsts === 53003 || aadsts === 65001 || aadsts === 50105 || aadsts === 7000112) {
    return new ExopsError(
      ExopsErrorCode.AUTH_ACCESS_DENIED,
      message,
      opts('A Conditional Access policy, missing consent or a missing assignment blocks the sign-in: ask a tenant administrator.'),
    );
  }
  return new ExopsError(ExopsErrorCode.AUTH_FAILED, `Sign-in failed: ${message}`, opts('Run again with --verbose for the MSAL log; the AADSTS code is in the details.'));
}
