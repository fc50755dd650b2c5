/**
 * From command-line options and the saved profile to a connection: the environment with its overrides, the sign-in
 * flow, the network settings, and the token provider for this command.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import { createDeviceCodeTokenProvider, createFileTokenCache, createTokenProvider } from '@exops/auth';
import type { CreateTokenProviderOptions, TokenCacheStore } from '@exops/auth';
import {
  CLOUD_ENVIRONMENTS,
  ExopsError,
  ExopsErrorCode,
  createEmulatorEnvironment,
  getCloudEnvironment,
  redactText,
  resolveCloudEnvironment,
} from '@exops/contracts';
import type { CloudEnvironment, NetworkOptions, TokenProvider } from '@exops/contracts';
import { findEmulator } from './emulator-state.js';
import { configDir } from './profile-store.js';
import type { ConnectionProfile, ProfileFlow } from './profile-store.js';
import { readHiddenLine } from './prompt.js';

/** The options every command that connects accepts. */
export interface ConnectionArgs {
  readonly upn?: string | undefined;
  readonly environment?: string | undefined;
  readonly connectionUri?: string | undefined;
  readonly authority?: string | undefined;
  readonly restBaseUrl?: string | undefined;
  readonly delegatedOrg?: string | undefined;
  readonly transport?: 'auto' | 'rest' | 'rps' | undefined;
  readonly deviceCode?: boolean | undefined;
  readonly credential?: boolean | undefined;
  readonly certificate?: string | undefined;
  readonly certificatePassword?: string | undefined;
  readonly certificateKey?: string | undefined;
  readonly appId?: string | undefined;
  readonly organization?: string | undefined;
  readonly caFile?: string | undefined;
  readonly proxy?: string | undefined;
  readonly tokenCache?: string | undefined;
  readonly emulatorUrl?: string | undefined;
  readonly emulatorStateDir?: string | undefined;
  readonly debugWire?: string | undefined;
  readonly verbose?: boolean | undefined;
}

export interface ResolvedConnection {
  readonly environmentName: string;
  readonly environment: CloudEnvironment;
  readonly upn: string | undefined;
  readonly flow: ProfileFlow;
  readonly transport: 'auto' | 'rest' | 'rps';
  readonly delegatedOrganization: string | undefined;
  readonly network: NetworkOptions;
  readonly caFile: string | undefined;
  readonly appId: string | undefined;
  readonly organization: string | undefined;
  readonly certificatePath: string | undefined;
  readonly certificateKey: string | undefined;
  readonly tokenCachePath: string | undefined;
  /** What `exops connect` saves. */
  toProfile(tenantId: string | undefined): ConnectionProfile;
  /** Closes the wire log, if any. */
  close(): void;
}

function flowFrom(args: ConnectionArgs, profile: ConnectionProfile | undefined): ProfileFlow {
  const chosen = [args.deviceCode === true && 'device-code', args.credential === true && 'credential', args.certificate !== undefined && 'certificate'].filter(
    (f): f is ProfileFlow => typeof f === 'string',
  );
  if (chosen.length > 1) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `Choose one sign-in method: ${chosen.map((f) => `--${f}`).join(' and ')} were both given.`, {
      remedy: 'Keep one of --device-code, --credential or --certificate (none means the browser).',
    });
  }
  return chosen[0] ?? profile?.flow ?? 'interactive';
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `Cannot read the CA file ${file}.`, { cause, remedy: 'Give --ca-file the path of a PEM certificate file.' });
  }
}

/** Merges flags over the saved profile; flags win. */
export async function resolveConnection(args: ConnectionArgs, profile: ConnectionProfile | undefined): Promise<ResolvedConnection> {
  const environmentName = args.environment ?? profile?.environment ?? 'O365Default';
  let base: CloudEnvironment;
  let emulatorCa: string | undefined;
  if (environmentName.toLowerCase() === 'emulator') {
    const explicitUrl = args.emulatorUrl ?? profile?.restBaseUrl;
    if (explicitUrl !== undefined && args.emulatorUrl !== undefined) base = createEmulatorEnvironment(explicitUrl);
    else {
      const found = await findEmulator(args.emulatorStateDir);
      base = createEmulatorEnvironment(found.url);
      emulatorCa = found.caFile;
    }
  } else {
    base = environmentName in CLOUD_ENVIRONMENTS ? CLOUD_ENVIRONMENTS[environmentName as keyof typeof CLOUD_ENVIRONMENTS] : getCloudEnvironment(environmentName);
  }
  const connectionUri = args.connectionUri ?? profile?.connectionUri;
  const authority = args.authority ?? profile?.authority;
  const restBaseUrl = environmentName.toLowerCase() === 'emulator' ? undefined : (args.restBaseUrl ?? profile?.restBaseUrl);
  const environment = resolveCloudEnvironment(base, { connectionUri, authority, restBaseUrl });
  const caFile = args.caFile ?? profile?.caFile ?? emulatorCa;
  const ca = [caFile, emulatorCa !== caFile ? emulatorCa : undefined].filter((f): f is string => f !== undefined).map(readCa);
  let wire: WriteStream | undefined;
  if (args.debugWire !== undefined) wire = createWriteStream(args.debugWire, { flags: 'a', mode: 0o600 });
  const network: NetworkOptions = {
    ...(args.proxy === undefined ? {} : { proxy: args.proxy }),
    ...(ca.length === 0 ? {} : { ca }),
    ...(wire === undefined ? {} : { wireLog: (line: string) => void wire!.write(`${new Date().toISOString()} ${redactText(line)}\n`) }),
  };
  const flow = flowFrom(args, profile);
  const upn = args.upn ?? profile?.upn;
  const resolved: ResolvedConnection = {
    environmentName,
    environment,
    upn,
    flow,
    transport: args.transport ?? profile?.transport ?? 'auto',
    delegatedOrganization: args.delegatedOrg ?? profile?.delegatedOrganization,
    network,
    caFile,
    appId: args.appId ?? profile?.appId,
    organization: args.organization ?? profile?.organization,
    certificatePath: args.certificate ?? profile?.certificatePath,
    certificateKey: args.certificateKey,
    tokenCachePath: args.tokenCache,
    toProfile: (tenantId) => ({
      upn,
      environment: environmentName,
      ...(connectionUri === undefined ? {} : { connectionUri }),
      ...(authority === undefined ? {} : { authority }),
      ...(environmentName.toLowerCase() === 'emulator' ? { restBaseUrl: environment.restBaseUrl } : restBaseUrl === undefined ? {} : { restBaseUrl }),
      ...(resolved.delegatedOrganization === undefined ? {} : { delegatedOrganization: resolved.delegatedOrganization }),
      transport: resolved.transport,
      flow,
      ...(resolved.appId === undefined ? {} : { appId: resolved.appId }),
      ...(resolved.organization === undefined ? {} : { organization: resolved.organization }),
      ...(resolved.certificatePath === undefined ? {} : { certificatePath: resolved.certificatePath }),
      ...(args.caFile === undefined && profile?.caFile === undefined ? {} : { caFile: args.caFile ?? profile?.caFile }),
      ...(tenantId === undefined ? {} : { tenantId }),
      savedAt: new Date().toISOString(),
    }),
    close: () => wire?.end(),
  };
  return resolved;
}

/** The token cache beside the saved connection, so `EXOPS_CONFIG_DIR` moves (and isolates) both. */
export function defaultTokenCacheFile(): string {
  return path.join(configDir(), 'token-cache.json');
}

export interface ProviderIo {
  /** Messages for the person at the terminal (device code, no-browser fallback). */
  readonly notify: (message: string) => void;
  readonly isInteractive: boolean;
}

async function passwordFor(upn: string, io: ProviderIo): Promise<string> {
  const fromEnv = process.env['EXOPS_PASSWORD'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!io.isInteractive) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, '--credential needs a password, and there is no terminal to ask for it.', {
      remedy: 'Set EXOPS_PASSWORD in the environment of the command, or run it in a terminal.',
    });
  }
  return readHiddenLine(`Password for ${upn}: `);
}

/**
 * The token provider for a command. `connect` signs in with the chosen flow; other commands (`reuse`) renew silently
 * from the cache and ask to run `exops connect` when the user must sign in again.
 */
export async function createProviderFor(conn: ResolvedConnection, mode: 'connect' | 'reuse', io: ProviderIo): Promise<TokenProvider> {
  const cache: TokenCacheStore = createFileTokenCache({ path: conn.tokenCachePath ?? defaultTokenCacheFile() });
  const common = {
    environment: conn.environment,
    ...(conn.upn === undefined ? {} : { upn: conn.upn }),
    cache,
    network: conn.network,
    output: io.notify,
    protocol: conn.transport === 'rps' || (conn.transport === 'auto' && conn.environment.restBaseUrl === undefined) ? ('rps' as const) : ('rest' as const),
    ...(conn.delegatedOrganization === undefined ? {} : { tenant: conn.delegatedOrganization }),
  };
  if (conn.flow === 'certificate') {
    if (conn.appId === undefined || conn.organization === undefined || conn.certificatePath === undefined) {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'Certificate sign-in needs --certificate, --app-id and --organization.', {
        remedy: 'Example: exops connect --certificate ./app.pfx --certificate-password ... --app-id <guid> --organization contoso.onmicrosoft.com',
      });
    }
    // App-only tokens are cheap to get again and stay in memory (the auth package's default for app-only).
    const { upn: _ignored, tenant: _tenant, protocol: _protocol, cache: _cache, ...rest } = common;
    return createTokenProvider({
      flow: 'certificate',
      ...rest,
      appId: conn.appId,
      organization: conn.organization,
      certificate: {
        path: conn.certificatePath,
        ...(process.env['EXOPS_CERTIFICATE_PASSWORD'] === undefined ? {} : { password: process.env['EXOPS_CERTIFICATE_PASSWORD'] }),
        ...(conn.certificateKey === undefined ? {} : { keyPath: conn.certificateKey }),
      },
    } as CreateTokenProviderOptions);
  }
  if (mode === 'reuse') {
    if (conn.flow === 'credential' && conn.upn !== undefined && process.env['EXOPS_PASSWORD'] !== undefined) {
      return createTokenProvider({ flow: 'credential', ...common, upn: conn.upn, password: process.env['EXOPS_PASSWORD'] });
    }
    // RPS signs in as another public client than REST, so a REST sign-in leaves no token for RPS: the remedy must
    // name the transport, or `exops connect` would sign in for REST again and the RPS command would keep failing.
    const signInCommand = common.protocol === 'rps' ? 'exops connect --transport rps' : 'exops connect';
    return createTokenProvider({ flow: 'silent', ...common, signInCommand } as CreateTokenProviderOptions);
  }
  switch (conn.flow) {
    case 'device-code':
      return createDeviceCodeTokenProvider({ ...common, onDeviceCode: (info) => io.notify(info.message) });
    case 'credential': {
      if (conn.upn === undefined) {
        throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, '--credential needs --upn (the user name).', { remedy: 'Add --upn user@contoso.com.' });
      }
      return createTokenProvider({ flow: 'credential', ...common, upn: conn.upn, password: await passwordFor(conn.upn, io) });
    }
    default:
      return createTokenProvider({ flow: 'interactive', ...common });
  }
}
