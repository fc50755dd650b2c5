import { ExopsError, ExopsErrorCode } from './errors.js';

/** The Exchange Online environments, named as `Connect-ExchangeOnline -ExchangeEnvironmentName` names them. */
export type ExchangeEnvironmentName =
  | 'O365Default'
  | 'O365GermanyCloud'
  | 'O365USGovGCCHigh'
  | 'O365USGovDoD'
  | 'O365China'
  | 'Emulator';

/** One cloud's endpoints. */
export interface CloudEnvironment {
  readonly name: ExchangeEnvironmentName;
  readonly displayName: string;
  /** The RPS (WS-Management) endpoint, as `Connect-EXOPSSession -ConnectionUri` took it. */
  readonly rpsConnectionUri: string;
  /** The Entra ID authority, as `-AzureADAuthorizationEndpointUri` took it. */
  readonly authority: string;
  /** The REST base for `{base}/adminapi/beta/{tenant}/InvokeCommand`; undefined where the cloud has none. */
  readonly restBaseUrl: string | undefined;
  /** The OAuth resource Exchange accepts; the scope is `${resource}/.default`. */
  readonly resource: string;
  /** False where Microsoft documents that MFA and federated sign-in are not offered (21Vianet). */
  readonly supportsMfa: boolean;
  /** Retired clouds still resolve, but tools should say so. */
  readonly retired: boolean;
}

// Sources: Connect-ExchangeOnline help (RPS URIs, authorities) and the Admin API "get started" page (REST bases);
// see shared/reference/exchange-online-connection.md §1.6.
export const CLOUD_ENVIRONMENTS: Readonly<Record<Exclude<ExchangeEnvironmentName, 'Emulator'>, CloudEnvironment>> = {
  O365Default: {
    name: 'O365Default',
    displayName: 'Microsoft 365 (worldwide, GCC)',
    rpsConnectionUri: 'https://outlook.office365.com/powershell-liveid/',
    authority: 'https://login.microsoftonline.com/organizations',
    restBaseUrl: 'https://outlook.office365.com',
    resource: 'https://outlook.office365.com',
    supportsMfa: true,
    retired: false,
  },
  O365GermanyCloud: {
    name: 'O365GermanyCloud',
    displayName: 'Office 365 Germany',
    rpsConnectionUri: 'https://outlook.office.de/PowerShell-LiveID',
    authority: 'https://login.microsoftonline.de/common',
    restBaseUrl: undefined,
    resource: 'https://outlook.office.de',
    supportsMfa: true,
    retired: true,
  },
  O365USGovGCCHigh: {
    name: 'O365USGovGCCHigh',
    displayName: 'Microsoft 365 GCC High',
    rpsConnectionUri: 'https://outlook.office365.us/powershell-liveid',
    authority: 'https://login.microsoftonline.us/common',
    restBaseUrl: 'https://outlook.office365.us',
    resource: 'https://outlook.office365.us',
    supportsMfa: true,
    retired: false,
  },
  O365USGovDoD: {
    name: 'O365USGovDoD',
    displayName: 'Microsoft 365 DoD',
    rpsConnectionUri: 'https://webmail.apps.mil/powershell-liveid',
    authority: 'https://login.microsoftonline.us/common',
    restBaseUrl: 'https://outlook-dod.office365.us',
    resource: 'https://outlook-dod.office365.us',
    supportsMfa: true,
    retired: false,
  },
  O365China: {
    name: 'O365China',
    displayName: 'Office 365 operated by 21Vianet',
    rpsConnectionUri: 'https://partner.outlook.cn/PowerShell',
    authority: 'https://login.chinacloudapi.cn/common',
    restBaseUrl: 'https://outlook.office365.cn',
    resource: 'https://partner.outlook.cn',
    supportsMfa: false,
    retired: false,
  },
};

/** The public client IDs of the Exchange Online PowerShell module (reference §1.5). */
export const EXO_CLIENT_IDS = {
  /** "Microsoft Exchange REST API Based Powershell": V3 module, REST. */
  rest: 'fb78d390-0c51-40cd-8e17-fdbfab77341b',
  /** "Microsoft Exchange Online Remote PowerShell": V1 module, RPS. */
  rps: 'a0c73c16-a7e3-4564-9a95-2bdf47383716',
} as const;

/** Overrides of an environment, as `--connection-uri`, `--authority` and the REST base option give them. */
export interface CloudOverrides {
  readonly connectionUri?: string | undefined;
  readonly authority?: string | undefined;
  readonly restBaseUrl?: string | undefined;
  readonly resource?: string | undefined;
}

/**
 * Validates an override the way the V1 module did (`Invalid ConnectionUri parameter '...'`): it must be an absolute
 * https URI. Loopback http is refused too; the emulator serves https.
 */
export function parseHttpsUri(value: string, optionName: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.CLOUD, `Invalid ${optionName} '${value}': not an absolute URI.`, {
      cause,
      remedy: `Give ${optionName} as an absolute https URI, for example https://outlook.office365.com/powershell-liveid/.`,
    });
  }
  if (url.protocol !== 'https:') {
    throw new ExopsError(ExopsErrorCode.CLOUD, `Invalid ${optionName} '${value}': the scheme must be https.`, {
      remedy: `Exchange Online and Entra ID are only served over https; give ${optionName} as https://...`,
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new ExopsError(ExopsErrorCode.CLOUD, `Invalid ${optionName}: credentials inside the URI are not accepted.`, {
      remedy: 'Remove the user name and password from the URI; exops signs in with --upn and a token.',
    });
  }
  return url;
}

/** Looks up an environment by name, case-insensitively, with a clear error listing the valid names. */
export function getCloudEnvironment(name: string): CloudEnvironment {
  const key = (Object.keys(CLOUD_ENVIRONMENTS) as (keyof typeof CLOUD_ENVIRONMENTS)[]).find(
    (k) => k.toLowerCase() === name.toLowerCase(),
  );
  if (key === undefined) {
    throw new ExopsError(ExopsErrorCode.CLOUD, `Unknown environment '${name}'.`, {
      remedy: `Use one of: ${Object.keys(CLOUD_ENVIRONMENTS).join(', ')} (or Emulator with the emulator's URL).`,
    });
  }
  return CLOUD_ENVIRONMENTS[key];
}

/**
 * An environment with its overrides applied. Every override is validated; the resource follows the REST base or
 * connection URI host when only those are overridden (the emulator, an on-premises server).
 */
export function resolveCloudEnvironment(base: CloudEnvironment, overrides: CloudOverrides = {}): CloudEnvironment {
  const rpsConnectionUri =
    overrides.connectionUri === undefined ? base.rpsConnectionUri : parseHttpsUri(overrides.connectionUri, '--connection-uri').href;
  const authority =
    overrides.authority === undefined ? base.authority : parseHttpsUri(overrides.authority, '--authority').href.replace(/\/$/, '');
  const restBaseUrl =
    overrides.restBaseUrl === undefined ? base.restBaseUrl : parseHttpsUri(overrides.restBaseUrl, '--rest-base-url').origin;
  const resource = overrides.resource === undefined ? base.resource : parseHttpsUri(overrides.resource, '--resource').origin;
  return { ...base, rpsConnectionUri, authority, restBaseUrl, resource };
}

/** The emulator as an environment: every endpoint on one local https origin. */
export function createEmulatorEnvironment(origin: string): CloudEnvironment {
  const url = parseHttpsUri(origin, 'the emulator URL');
  return {
    name: 'Emulator',
    displayName: 'exo-emulator (local)',
    rpsConnectionUri: `${url.origin}/powershell-liveid/`,
    authority: `${url.origin}/organizations`,
    restBaseUrl: url.origin,
    resource: 'https://outlook.office365.com',
    supportsMfa: true,
    retired: false,
  };
}
