/**
 * `exops`: thin by design. Each command parses its options, calls the libraries, and hands results to a formatter.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clearTokenCache } from '@exops/auth';
import { createDoctorContext, createNetworkProbes, DOCTOR_CHECK_IDS, parseCheckIds, readProxySettings, renderJson, renderListr, renderSummaryTable, runDoctor } from '@exops/doctor';
import { ExoSession } from '@exops/exo-client';
import { ExopsError, ExopsErrorCode, isExopsError, PSObject, psValueToJson } from '@exops/contracts';
import type { CmdletParameters, TokenProvider } from '@exops/contracts';
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { catalogMap, cmdletMetadataFromInfo, findCmdlet, matchesWildcard, readCatalog, writeCatalog } from './catalog.js';
import { createProviderFor, defaultTokenCacheFile, resolveConnection } from './connection.js';
import type { ConnectionArgs, ResolvedConnection } from './connection.js';
import { decodeCommand } from './commands/decode.js';
import { createSessionProbes } from './doctor-probes.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { createInterruptScope } from './interrupt.js';
import type { OutputFormat } from './output/writers.js';
import { bindArguments, suggest, tokenizeCommandLine } from './params/index.js';
import type { CmdletMetadata } from './params/index.js';
import { configDir, deleteProfile, readProfile, writeProfile } from './profile-store.js';
import { formatError } from './report-error.js';
import { runCmdlet } from './run-cmdlet.js';
import type { TerminalIo } from './run-cmdlet.js';
import { formatAge, listSessionsFor, removeSessionsFor } from './sessions.js';
import { runRepl } from './shell/repl.js';

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly env: NodeJS.ProcessEnv;
}

interface GlobalArgs extends ConnectionArgs {
  readonly output: OutputFormat;
  readonly select?: string[] | undefined;
  readonly color: boolean;
  readonly verbose: boolean;
}

/** exops options that take a value: `exops run` tells them from PowerShell parameters by their `--`. */
const VALUE_OPTIONS = new Set([
  'upn', 'environment', 'e', 'connection-uri', 'authority', 'rest-base-url', 'delegated-org', 'transport', 'output', 'o', 'select',
  'debug-wire', 'ca-file', 'proxy', 'certificate', 'certificate-password', 'certificate-key', 'app-id', 'organization',
  'token-cache', 'emulator-url', 'emulator-state-dir',
]);

const EXAMPLES: [string, string][] = [
  ['exops connect --upn chris@contoso.com', 'Sign in with MFA in the browser and remember the connection'],
  ['exops connect --device-code --upn chris@contoso.com', 'Sign in from a machine without a browser (SSH)'],
  [
    'exops connect --upn chris@contoso.de --connection-uri https://outlook.office.de/PowerShell-LiveID --authority https://login.microsoftonline.de/common',
    'Connect to Office 365 Germany with both URIs, as Connect-EXOPSSession did',
  ],
  ['exops connect --upn admin@partner.onmicrosoft.com --delegated-org fabrikam.onmicrosoft.com', 'Manage another tenant (partner relation)'],
  ['exops run Get-Mailbox -ResultSize 5', 'Run a cmdlet with PowerShell-style parameters'],
  ["exops run Set-Mailbox -Identity chris@contoso.com -EmailAddresses @{Add='c.green@contoso.com'}", 'Hashtable parameters'],
  ['exops run Get-Mailbox -ResultSize Unlimited --output csv > mailboxes.csv', 'Stream every mailbox to CSV'],
  ['exops doctor --upn chris@contoso.com', 'Find out why connecting fails'],
];

function paintable(io: CliIo, args: { color?: boolean }): boolean {
  return args.color !== false && io.stderr.isTTY === true && (io.env['NO_COLOR'] ?? '') === '';
}

function terminal(io: CliIo, args: GlobalArgs): TerminalIo {
  return { stdout: io.stdout, stderr: io.stderr, color: paintable(io, args), verbose: args.verbose };
}

function globalOptions(y: Argv): Argv<GlobalArgs> {
  return y
    .option('upn', { type: 'string', describe: 'The user to sign in as (login hint; every token must name this user)', group: 'Connection:' })
    .option('environment', { alias: 'e', type: 'string', describe: 'O365Default, O365GermanyCloud, O365USGovGCCHigh, O365USGovDoD, O365China, or Emulator', group: 'Connection:' })
    .option('connection-uri', { type: 'string', describe: 'RPS endpoint (as -ConnectionUri); implies --transport rps', group: 'Connection:' })
    .option('authority', { type: 'string', describe: 'Entra ID authority (as -AzureADAuthorizationEndpointUri)', group: 'Connection:' })
    .option('rest-base-url', { type: 'string', describe: 'REST base URL (https://outlook.office365.com)', group: 'Connection:' })
    .option('delegated-org', { type: 'string', describe: 'Manage another tenant: its domain or tenant id', group: 'Connection:' })
    .option('transport', { choices: ['auto', 'rest', 'rps'] as const, describe: 'REST (InvokeCommand) or RPS (WS-Management + PSRP)', group: 'Connection:' })
    .option('device-code', { type: 'boolean', describe: 'Sign in with a device code (headless, SSH)', group: 'Sign-in:' })
    .option('credential', { type: 'boolean', describe: 'User name and password, for accounts without MFA (the SSO workaround; password from EXOPS_PASSWORD or a prompt)', group: 'Sign-in:' })
    .option('certificate', { type: 'string', describe: 'App-only: a PFX or PEM file (password from EXOPS_CERTIFICATE_PASSWORD)', group: 'Sign-in:' })
    .option('certificate-key', { type: 'string', describe: 'A separate PEM key for --certificate', group: 'Sign-in:' })
    .option('app-id', { type: 'string', describe: 'App-only: the application (client) id', group: 'Sign-in:' })
    .option('organization', { type: 'string', describe: 'App-only: the tenant, e.g. contoso.onmicrosoft.com', group: 'Sign-in:' })
    .option('token-cache', { type: 'string', describe: 'Token cache file (default in the exops config folder)', group: 'Sign-in:' })
    .option('ca-file', { type: 'string', describe: 'Extra trusted CA (PEM), e.g. a TLS-inspecting proxy', group: 'Network:' })
    .option('proxy', { type: 'string', describe: 'Proxy URL (default: HTTPS_PROXY / NO_PROXY)', group: 'Network:' })
    .option('debug-wire', { type: 'string', describe: 'Write a redacted wire log to this file', group: 'Network:' })
    .option('emulator-url', { type: 'string', describe: 'With -e Emulator: its URL (default: the running emulator)', group: 'Network:' })
    .option('emulator-state-dir', { type: 'string', hidden: true })
    .option('output', { alias: 'o', choices: ['table', 'list', 'json', 'csv'] as const, default: 'table' as const, describe: 'Output format', group: 'Output:' })
    .option('select', { type: 'string', array: true, describe: 'Properties to show', group: 'Output:', coerce: (v: string[]) => v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '') })
    .option('color', { type: 'boolean', default: true, describe: 'Colour (--no-color to turn off; NO_COLOR is honoured)', group: 'Output:' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Verbose, debug and information streams; error details', group: 'Output:' }) as unknown as Argv<GlobalArgs>;
}

async function openConnection(args: GlobalArgs, io: CliIo, mode: 'connect' | 'reuse'): Promise<{ conn: ResolvedConnection; provider: TokenProvider }> {
  const profile = await readProfile();
  if (mode === 'reuse' && profile === undefined && args.upn === undefined && args.certificate === undefined && args.environment === undefined) {
    // A sign-in matter, not bad input: scripts that branch on exit code 3 ("sign in first") must see it here too.
    throw new ExopsError(ExopsErrorCode.AUTH_INTERACTION_REQUIRED, 'Not connected: there is no saved connection.', {
      remedy: 'Run `exops connect --upn you@contoso.com` first (or pass the connection options to this command).',
    });
  }
  const conn = await resolveConnection(args, profile);
  const provider = await createProviderFor(conn, mode, { notify: (m) => void io.stderr.write(`${m}\n`), isInteractive: io.stdin.isTTY === true });
  return { conn, provider };
}

function connectSession(conn: ResolvedConnection, provider: TokenProvider, signal?: AbortSignal): Promise<ExoSession> {
  return ExoSession.connect({
    environment: conn.environment,
    upn: conn.upn,
    transport: conn.transport,
    delegatedOrganization: conn.delegatedOrganization,
    tokenProvider: provider,
    network: conn.network,
    ...(signal === undefined ? {} : { signal }),
  });
}

function catalogKey(session: ExoSession, conn: ResolvedConnection): string {
  return `${conn.delegatedOrganization ?? session.tenantId ?? 'tenant'}-${session.user ?? conn.appId ?? 'app'}`;
}

async function loadCatalog(session: ExoSession, conn: ResolvedConnection, refresh: boolean, onProgress?: (n: number) => void): Promise<CmdletMetadata[]> {
  const key = catalogKey(session, conn);
  if (!refresh) {
    const cached = await readCatalog(key);
    if (cached !== undefined) return cached.cmdlets;
  }
  const cmdlets: CmdletMetadata[] = [];
  for await (const info of session.invoke('Get-Command', {})) {
    const meta = cmdletMetadataFromInfo(info);
    if (meta !== undefined) cmdlets.push(meta);
    onProgress?.(cmdlets.length);
  }
  await writeCatalog(key, cmdlets).catch(() => undefined);
  return cmdlets;
}

/** exops's one-letter options, which after a cmdlet name read as PowerShell parameters. */
const SHORT_EXOPS_OPTIONS: Readonly<Record<string, string>> = { '-o': '--output', '-e': '--environment' };

/** Checks the cmdlet and binds its arguments against the catalog when one is cached. */
async function bindInvocation(cmdlet: string, tokens: readonly string[], session: ExoSession, conn: ResolvedConnection): Promise<{ cmdlet: string; parameters: CmdletParameters }> {
  try {
    return await bindInvocationWithCatalog(cmdlet, tokens, session, conn);
  } catch (error) {
    const short = tokens.find((t) => t in SHORT_EXOPS_OPTIONS);
    if (isExopsError(error) && error.code === ExopsErrorCode.EXO_PARAMETER && short !== undefined) {
      throw new ExopsError(error.code, error.message, {
        cause: error,
        remedy: `After the cmdlet name, '${short}' is a PowerShell parameter; exops's own options take two dashes there: ${SHORT_EXOPS_OPTIONS[short]}.`,
      });
    }
    throw error;
  }
}

async function bindInvocationWithCatalog(cmdlet: string, tokens: readonly string[], session: ExoSession, conn: ResolvedConnection): Promise<{ cmdlet: string; parameters: CmdletParameters }> {
  const cached = await readCatalog(catalogKey(session, conn));
  if (cached === undefined) return { cmdlet, parameters: bindArguments(tokens) };
  const meta = findCmdlet(cached.cmdlets, cmdlet);
  if (meta === undefined) {
    const close = suggest(cmdlet, cached.cmdlets.map((c) => c.name));
    throw new ExopsError(ExopsErrorCode.EXO_CMDLET_NOT_FOUND, `The term '${cmdlet}' is not recognized as the name of a cmdlet your roles allow.`, {
      remedy: close.length > 0 ? `Did you mean ${close.join(', ')}? \`exops cmdlets\` lists what you may run.` : '`exops cmdlets` lists what you may run (`exops cmdlets --refresh` re-reads them).',
    });
  }
  return { cmdlet: meta.name, parameters: bindArguments(tokens, meta) };
}

/** Runs `work` with a session that is closed however it ends (error, Ctrl-C once or twice). */
async function withSession<T>(args: GlobalArgs, io: CliIo, mode: 'connect' | 'reuse', work: (session: ExoSession, conn: ResolvedConnection, signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = createInterruptScope((m) => void io.stderr.write(`\n${m}\n`));
  let session: ExoSession | undefined;
  let conn: ResolvedConnection | undefined;
  try {
    const opened = await openConnection(args, io, mode);
    conn = opened.conn;
    session = await connectSession(conn, opened.provider, interrupt.signal);
    const s = session;
    interrupt.onForce(() => s.close());
    return await work(session, conn, interrupt.signal);
  } finally {
    await session?.close().catch(() => undefined);
    conn?.close();
    interrupt.dispose();
  }
}

/** Splits `run`'s arguments: `--exops-options` (with their values) for yargs, the rest for PowerShell binding. */
export function splitRunArguments(argv: readonly string[]): { exops: string[]; powershell: string[] } {
  const exops: string[] = [];
  const powershell: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i]!;
    if (token.startsWith('--') && token.length > 2) {
      exops.push(token);
      const name = token.slice(2).split('=')[0]!;
      if (!token.includes('=') && VALUE_OPTIONS.has(name) && i + 1 < argv.length) {
        exops.push(argv[i + 1]!);
        i += 1;
      }
    } else powershell.push(token);
  }
  return { exops, powershell };
}

/** The index of the command word, past global options and their values (`exops -e Emulator run ...`). */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i]!;
    if (!token.startsWith('-')) return i;
    const name = token.replace(/^--?/, '');
    if (!name.includes('=') && VALUE_OPTIONS.has(name)) i += 1;
  }
  return -1;
}

function cliVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Runs the CLI; resolves with the exit code (the bin sets it). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  let rawRun: { cmdlet: string; tokens: string[] } | undefined;
  let args = [...argv];
  const runIndex = commandIndex(args);
  if (runIndex >= 0 && args[runIndex] === 'run') {
    // exops options may come before the cmdlet too (`exops run --transport rest Get-Mailbox -ResultSize 5`): left to
    // yargs, the cmdlet's parameters would be dropped without a word.
    const split = splitRunArguments(args.slice(runIndex + 1));
    const [cmdlet, ...tokens] = split.powershell;
    if (cmdlet !== undefined && !cmdlet.startsWith('-')) {
      rawRun = { cmdlet, tokens };
      args = [...args.slice(0, runIndex + 1), cmdlet, ...split.exops];
    }
  }

  const parser = globalOptions(yargs(args))
    .scriptName('exops')
    .version(cliVersion())
    .usage('$0 <command> [options]\n\nExchange Online PowerShell, natively, with MFA, on every OS.')
    .command('connect', 'Sign in, open a session, run a quick test (Get-Mailbox -ResultSize 1) and remember the connection', (y) => y.example(EXAMPLES), async (a) => {
      const g = a as unknown as GlobalArgs;
      await withSession(g, io, 'connect', async (session, conn, signal) => {
        const { output } = await session.invokeAll('Get-Mailbox', { ResultSize: 1 }, { signal });
        await writeProfile(conn.toProfile(session.tenantId));
        io.stderr.write(`Connected to ${conn.environment.displayName} as ${session.user ?? `app ${conn.appId ?? ''}`} over ${session.transportKind.toUpperCase()}${conn.delegatedOrganization === undefined ? '' : ` (managing ${conn.delegatedOrganization})`}.\n`);
        io.stderr.write(`Quick test: Get-Mailbox -ResultSize 1 returned ${output.length} mailbox(es). The connection is saved in ${configDir()}; later commands reuse it.\n`);
        if (output.length > 0) {
          const { createOutputWriter } = await import('./output/writers.js');
          const w = createOutputWriter(g.output, io.stdout, { select: g.select });
          for (const v of output) w.write(v);
          w.end();
        }
      });
    })
    .command('run <cmdlet> [parameters..]', 'Run a cmdlet with PowerShell-style parameters (-Name value, -Switch, -Flag:$false, a,b,c, @{Key=\'v\'})', (y) =>
      y.positional('cmdlet', { type: 'string', describe: 'e.g. Get-Mailbox' }).positional('parameters', { type: 'string', array: true }).parserConfiguration({ 'unknown-options-as-args': true }).example(EXAMPLES),
    async (a) => {
      const g = a as unknown as GlobalArgs & { cmdlet: string };
      const tokens = rawRun?.tokens ?? [];
      await withSession(g, io, 'reuse', async (session, conn, signal) => {
        const bound = await bindInvocation(rawRun?.cmdlet ?? g.cmdlet, tokens, session, conn);
        const result = await runCmdlet(session, bound.cmdlet, bound.parameters, terminal(io, g), { format: g.output, select: g.select, signal });
        if (result.errors.length > 0) exitCode = ExitCode.COMMAND_ERRORS;
      });
    })
    .command('shell', 'An interactive prompt: history, tab completion; Ctrl-C stops the running command, not the shell', (y) => y, async (a) => {
      const g = a as unknown as GlobalArgs;
      const { conn, provider } = await openConnection(g, io, 'reuse');
      const session = await connectSession(conn, provider);
      try {
        let catalog: CmdletMetadata[] = [];
        try {
          catalog = await loadCatalog(session, conn, false);
        } catch (error) {
          io.stderr.write(formatError(error, { verbose: g.verbose, color: paintable(io, g) }));
        }
        io.stderr.write(`Connected as ${session.user ?? 'app'} (${session.transportKind.toUpperCase()}). Tab completes cmdlets and parameters; \`exit\` leaves.\n`);
        await runRepl({
          input: io.stdin,
          output: io.stdout,
          prompt: 'EXO> ',
          catalog: catalogMap(catalog),
          historyFile: path.join(configDir(), 'history'),
          run: async (line, signal) => {
            try {
              const [cmdlet, ...rest] = tokenizeCommandLine(line);
              if (cmdlet === undefined) return;
              if (/^help$/i.test(cmdlet)) {
                io.stdout.write('Type a cmdlet with its parameters (Get-Mailbox -ResultSize 5). Tab completes. Ctrl-C stops a command. `exit` leaves.\n');
                return;
              }
              const meta = findCmdlet(catalog, cmdlet);
              if (catalog.length > 0 && meta === undefined) {
                const close = suggest(cmdlet, catalog.map((c) => c.name));
                throw new ExopsError(ExopsErrorCode.EXO_CMDLET_NOT_FOUND, `The term '${cmdlet}' is not recognized as the name of a cmdlet your roles allow.`, close.length > 0 ? { remedy: `Did you mean ${close.join(', ')}?` } : {});
              }
              await runCmdlet(session, meta?.name ?? cmdlet, bindArguments(rest, meta), terminal(io, g), { format: g.output, select: g.select, signal });
            } catch (error) {
              io.stderr.write(formatError(error, { verbose: g.verbose, color: paintable(io, g) }));
            }
          },
        });
      } finally {
        await session.close().catch(() => undefined);
        conn.close();
      }
    })
    .command('cmdlets [pattern]', 'The cmdlets your roles allow (cached per tenant); with a name, its parameters', (y) =>
      y.positional('pattern', { type: 'string', describe: 'A name or wildcard, e.g. *-Mailbox*' }).option('refresh', { type: 'boolean', default: false, describe: 'Fetch again' }),
    async (a) => {
      const g = a as unknown as GlobalArgs & { pattern?: string; refresh: boolean };
      await withSession(g, io, 'reuse', async (session, conn) => {
        const tty = io.stderr.isTTY === true;
        const cmdlets = await loadCatalog(session, conn, g.refresh, tty ? (n) => void io.stderr.write(`\rReading cmdlets... ${n}`) : undefined);
        if (tty) io.stderr.write('\r\x1b[K');
        const pattern = g.pattern ?? '*';
        const matching = cmdlets.filter((c) => matchesWildcard(c.name, pattern)).sort((x, y) => x.name.localeCompare(y.name));
        if (matching.length === 0) {
          const close = suggest(pattern, cmdlets.map((c) => c.name));
          throw new ExopsError(ExopsErrorCode.EXO_CMDLET_NOT_FOUND, `No cmdlet matches '${pattern}'.`, close.length > 0 ? { remedy: `Did you mean ${close.join(', ')}?` } : {});
        }
        if (matching.length === 1 && !/[*?]/.test(pattern)) {
          const meta = matching[0]!;
          io.stdout.write(`${meta.name}\n`);
          for (const p of meta.parameters) {
            const extra = [p.isSwitch === true ? 'switch' : p.type, p.position === undefined ? undefined : `position ${p.position}`, (p.aliases ?? []).length > 0 ? `alias ${p.aliases!.join(', ')}` : undefined].filter(Boolean).join('; ');
            io.stdout.write(`  -${p.name}${extra === '' ? '' : `  (${extra})`}\n`);
          }
          return;
        }
        if (g.output === 'json') for (const c of matching) io.stdout.write(`${JSON.stringify({ Name: c.name, Parameters: c.parameters.map((p) => p.name) })}\n`);
        else for (const c of matching) io.stdout.write(`${c.name}\n`);
      });
    })
    .command('sessions <action> [ids..]', 'List or remove your open remote sessions (Get-PSSession | Remove-PSSession)', (y) =>
      y.positional('action', { choices: ['list', 'remove'] as const }).positional('ids', { type: 'string', array: true }).option('all', { type: 'boolean', default: false, describe: 'Remove all of your sessions, not only those exops left behind' }),
    async (a) => {
      const g = a as unknown as GlobalArgs & { action: 'list' | 'remove'; ids?: string[]; all: boolean };
      const { conn, provider } = await openConnection(g, io, 'reuse');
      try {
        if (g.action === 'list') {
          const sessions = await listSessionsFor(conn, provider);
          if (g.output === 'json') {
            for (const s of sessions) io.stdout.write(`${JSON.stringify(s)}\n`);
            return;
          }
          if (sessions.length === 0) {
            io.stderr.write('No open remote sessions.\n');
            return;
          }
          io.stdout.write(`${['Id'.padEnd(36), 'Name'.padEnd(24), 'State'.padEnd(12), 'Age'.padEnd(8), 'Idle'].join(' ')}\n`);
          for (const s of sessions) io.stdout.write(`${[s.id.padEnd(36), (s.name ?? '').padEnd(24), s.state.padEnd(12), formatAge(s.ageSeconds).padEnd(8), formatAge(s.idleSeconds)].join(' ')}\n`);
          io.stderr.write(`${sessions.length} session(s). The service allows only a few at once (3 on many tenants): \`exops sessions remove --all\` frees them.\n`);
          return;
        }
        const result = await removeSessionsFor(conn, provider, { ...(g.ids === undefined ? {} : { ids: g.ids }), all: g.all || (g.ids ?? []).length > 0 });
        for (const id of result.removed) io.stdout.write(`removed ${id}\n`);
        for (const f of result.failed) io.stderr.write(formatError(f.error, { verbose: g.verbose, color: paintable(io, g) }));
        if (result.removed.length === 0 && result.failed.length === 0) io.stderr.write('No sessions to remove.\n');
        if (result.failed.length > 0) exitCode = ExitCode.COMMAND_ERRORS;
      } finally {
        conn.close();
      }
    })
    .command('disconnect', 'Remove the remote sessions exops left open and forget the saved connection (tokens stay cached)', (y) => y, async (a) => {
      const g = a as unknown as GlobalArgs;
      const profile = await readProfile();
      if (profile !== undefined) {
        try {
          const { conn, provider } = await openConnection(g, io, 'reuse');
          try {
            const result = await removeSessionsFor(conn, provider, { onlyExops: true });
            if (result.removed.length > 0) io.stderr.write(`Removed ${result.removed.length} remote session(s).\n`);
          } finally {
            conn.close();
          }
        } catch (error) {
          if (g.verbose) io.stderr.write(formatError(error, { verbose: true, color: paintable(io, g) }));
        }
      }
      const removed = await deleteProfile();
      io.stderr.write(removed ? 'Disconnected: the saved connection is forgotten.\n' : 'Not connected.\n');
    })
    .command('logout', 'Disconnect and empty the token cache: the next connect signs in again', (y) => y, async (a) => {
      const g = a as unknown as GlobalArgs;
      await deleteProfile();
      await clearTokenCache({ path: g.tokenCache ?? defaultTokenCacheFile() });
      io.stderr.write('Signed out: the saved connection and the cached tokens are removed.\n');
    })
    .command('doctor', 'Check why connecting fails, and say how to fix it (also: exo-doctor)', (y) =>
      y
        .option('json', { type: 'boolean', default: false, describe: 'One JSON report on stdout, nothing else' })
        .option('only', { type: 'string', array: true, describe: `Checks to run: ${DOCTOR_CHECK_IDS.join(', ')}` })
        .option('skip', { type: 'string', array: true, describe: 'Checks to skip' })
        .option('cmdlets', { type: 'string', array: true, describe: 'Cmdlets your roles must allow (default Get-Mailbox)' })
        .option('sign-in', { type: 'boolean', default: true, describe: 'Sign in for the checks that need a token (--no-sign-in skips them)' }),
    async (a) => {
      const g = a as unknown as GlobalArgs & { json: boolean; only?: string[]; skip?: string[]; cmdlets?: string[]; signIn: boolean };
      const profile = await readProfile();
      const conn = await resolveConnection(g, profile);
      const ca = conn.network.ca === undefined ? [] : typeof conn.network.ca === 'string' ? [conn.network.ca] : [...conn.network.ca];
      const network = createNetworkProbes({ proxy: readProxySettings(io.env, conn.network.proxy), ...(ca.length === 0 ? {} : { ca }) });
      let sessionProbes: ReturnType<typeof createSessionProbes> | undefined;
      if (g.signIn && (conn.upn !== undefined || conn.flow === 'certificate' || profile !== undefined)) {
        const provider = await createProviderFor(conn, profile === undefined || g.deviceCode === true || g.credential === true ? 'connect' : 'reuse', {
          notify: (m) => void io.stderr.write(`${m}\n`),
          isInteractive: io.stdin.isTTY === true,
        });
        sessionProbes = createSessionProbes(conn, provider);
      }
      try {
        const context = createDoctorContext({
          environment: conn.environment,
          upn: conn.upn,
          flow: conn.flow,
          transport: conn.transport === 'auto' ? (conn.environment.restBaseUrl === undefined ? 'rps' : 'rest') : conn.transport,
          ...(g.cmdlets === undefined ? {} : { cmdlets: g.cmdlets }),
          ...(conn.network.proxy === undefined ? {} : { proxy: conn.network.proxy }),
          caFile: conn.caFile !== undefined,
          probes: { ...network.probes, ...(sessionProbes === undefined ? {} : { token: sessionProbes.token, exchange: sessionProbes.exchange }) },
        } as Parameters<typeof createDoctorContext>[0]);
        const runOptions = {
          ...(g.only === undefined ? {} : { only: parseCheckIds(g.only, '--only') }),
          ...(g.skip === undefined ? {} : { skip: parseCheckIds(g.skip, '--skip') }),
        };
        const report = g.json
          ? await runDoctor(context, runOptions)
          : await renderListr(context, { ...runOptions, stream: io.stderr });
        if (g.json) io.stdout.write(renderJson(report));
        else io.stdout.write(renderSummaryTable(report, { color: paintable(io, g) }));
        exitCode = report.exitCode;
      } finally {
        await sessionProbes?.close();
        await network.close();
        conn.close();
      }
    })
    .command(decodeCommand as never)
    .example(EXAMPLES)
    .epilogue('Exit codes: 0 ok, 1 the command reported errors, 2 bad input, 3 sign-in, 4 network/TLS/proxy, 5 the service refused, 130 interrupted.\nHelp on one command: `exops <command> --help`.')
    .demandCommand(1, 'Say what to do: exops connect, exops run <Cmdlet>, exops shell, exops doctor, ... (exops --help).')
    .recommendCommands()
    .strictCommands()
    .wrap(Math.min(110, io.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, message, { remedy: '`exops --help` lists the commands and options.' });
    });

  try {
    await parser.parseAsync();
  } catch (error) {
    const verbose = argv.includes('--verbose');
    io.stderr.write(formatError(error, { verbose, color: io.stderr.isTTY === true && (io.env['NO_COLOR'] ?? '') === '' && !argv.includes('--no-color') }));
    return isExopsError(error) ? exitCodeFor(error) : error instanceof Error && /Unknown|Not enough|Invalid values|Missing required/i.test(error.message) ? ExitCode.USAGE : ExitCode.COMMAND_ERRORS;
  }
  // `exops decode` sets process.exitCode itself (2 for bad input); the bin assigns what main returns, so pass it on.
  if (exitCode === ExitCode.OK && typeof process.exitCode === 'number' && process.exitCode !== 0) return process.exitCode;
  return exitCode;
}

export { psValueToJson, PSObject };
