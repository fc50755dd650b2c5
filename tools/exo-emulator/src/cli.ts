/**
 * `exo-emulator`: runs the local Exchange Online + Entra ID over HTTPS until Ctrl+C, writing the state file clients
 * read to find it. Thin: parse flags, call startEmulator, print where things are.
 */
import { parseArgs } from 'node:util';
import { FaultPlanError, parseFaultSpec, parseLatencySpec, type FaultPlan, type FaultRule } from './faults.js';
import { startEmulator, type RunningEmulator } from './server.js';
import { STATE_FILE_NAME } from './state-file.js';

/** The CLI's help text. */
export const HELP = `exo-emulator: a local Exchange Online and Entra ID (Azure AD) over HTTPS, for tests and demos.

Usage: exo-emulator [options]

Options:
  --port <n>                 TCP port on 127.0.0.1 (default 0: a free port; see the state file)
  --host <address>           address to listen on (default 127.0.0.1; the admin API answers loopback callers only)
  --seed <text>              seed of the fixture tenant and of fault draws (default exops)
  --mailboxes <n>            mailboxes in the contoso tenant (default 50)
  --token-lifetime <s>       access token lifetime in seconds (default 3600)
  --latency <ms|min-max>     delay added to every request, e.g. 50 or 10-200
  --fault <spec>             inject faults, repeatable: <kind>[:p=<0..1>,path=/prefix,method=POST,after=<n>,count=<n>,retry-after=<s>]
                             kinds: reset, http-500, http-503, http-429, shell-lost
                             e.g. --fault http-429:p=0.1,retry-after=3 --fault shell-lost:path=/PowerShell-LiveID,count=1
  --state-dir <path>         CA, keys and state file (default $EXO_EMULATOR_STATE_DIR, else
                             $XDG_STATE_HOME/exops/emulator or ~/.local/state/exops/emulator; %LOCALAPPDATA%\\exops\\emulator on Windows)
  --session-cap <n>          open remote sessions per user before the service's cap error (docs say 5, servers said 3)
  --device-code-interval <s> polling interval the device code response asks for (default 5)
  --quiet                    no access log
  -h, --help                 this text

Clients trust the emulator by its CA file (printed at start): NODE_EXTRA_CA_CERTS=<ca.pem>, or exops --ca-file <ca.pem>.
Nothing here or in exops turns TLS verification off.`;

/** Parsed CLI options. */
export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly seed: string | undefined;
  readonly mailboxes: number | undefined;
  readonly tokenLifetimeSeconds: number | undefined;
  readonly faults: FaultPlan;
  readonly stateDir: string | undefined;
  readonly sessionCap: number | undefined;
  readonly deviceCodeIntervalSeconds: number | undefined;
  readonly quiet: boolean;
  readonly help: boolean;
}

/** Thrown for a bad command line; the message names the flag and what it takes. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new CliUsageError(`${flag} takes a whole number >= ${min}, got '${text}'.`);
  return value;
}

/** Parses the command line (without `node` and the script). */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        mailboxes: { type: 'string' },
        'token-lifetime': { type: 'string' },
        latency: { type: 'string' },
        fault: { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        'session-cap': { type: 'string' },
        'device-code-interval': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message} (exo-emulator --help lists the options).`);
  }
  const values = parsed.values;
  let rules: FaultRule[];
  let latency;
  try {
    rules = (values.fault ?? []).map(parseFaultSpec);
    latency = values.latency === undefined ? undefined : parseLatencySpec(values.latency);
  } catch (error) {
    if (error instanceof FaultPlanError) throw new CliUsageError(error.message);
    throw error;
  }
  const port = wholeNumber('--port', values.port, 0) ?? 0;
  if (port > 65535) throw new CliUsageError(`--port takes 0..65535, got ${port}.`);
  return {
    port,
    host: values.host ?? '127.0.0.1',
    seed: values.seed,
    mailboxes: wholeNumber('--mailboxes', values.mailboxes, 1),
    tokenLifetimeSeconds: wholeNumber('--token-lifetime', values['token-lifetime'], 60),
    faults: { ...(latency !== undefined ? { latency } : {}), ...(rules.length > 0 ? { rules } : {}) },
    stateDir: values['state-dir'],
    sessionCap: wholeNumber('--session-cap', values['session-cap'], 1),
    deviceCodeIntervalSeconds: wholeNumber('--device-code-interval', values['device-code-interval'], 0),
    quiet: values.quiet ?? false,
    help: values.help ?? false,
  };
}

/** The lines printed once the emulator listens. */
export function formatBanner(emulator: RunningEmulator): string {
  const users = [...emulator.directory.users()]
    .map((user) => `    ${user.upn.padEnd(36)} ${user.mfaRequired ? 'MFA ' : '    '} ${user.roles.join(', ') || '(no admin role)'}`)
    .join('\n');
  return [
    `exo-emulator listening on ${emulator.url}`,
    `  authority (MSAL):  ${emulator.authority}   (knownAuthorities: ["${new URL(emulator.url).host}"])`,
    `  CA certificate:    ${emulator.caFile}`,
    `  trust it with:     NODE_EXTRA_CA_CERTS=${emulator.caFile}   or   exops --ca-file ${emulator.caFile}`,
    `  state file:        ${emulator.stateDir}/${STATE_FILE_NAME}`,
    `  admin API:         ${emulator.url}/_admin/ (loopback only)`,
    `  fixture users (passwords: GET ${emulator.url}/_admin/identity/users/password?upn=<upn>):`,
    users,
    'Press Ctrl+C to stop.',
  ].join('\n');
}

/** Runs the CLI; resolves with the exit code once the emulator stops. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`exo-emulator: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const emulator = await startEmulator({
    port: options.port,
    host: options.host,
    faults: options.faults,
    writeStateFile: true,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.mailboxes !== undefined ? { mailboxes: options.mailboxes } : {}),
    ...(options.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
    ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
    ...(options.sessionCap !== undefined ? { sessionCap: options.sessionCap } : {}),
    ...(options.deviceCodeIntervalSeconds !== undefined ? { deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds } : {}),
    ...(options.quiet ? {} : { log: (line: string) => process.stdout.write(`${line}\n`) }),
  });
  process.stdout.write(`${formatBanner(emulator)}\n`);
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      process.stdout.write(`exo-emulator: ${signal}, shutting down\n`);
      emulator.close().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`exo-emulator: shutdown failed: ${(error as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
