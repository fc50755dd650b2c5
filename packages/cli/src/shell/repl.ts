/**
 * The interactive prompt of `exops shell`: history kept across runs, tab completion, and Ctrl-C that stops the
 * running command (not the shell); at an empty prompt Ctrl-C twice, Ctrl-D or `exit` leaves.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CmdletMetadata } from '../params/index.js';
import { completeLine } from './completion.js';

export interface ReplOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly prompt: string;
  readonly catalog: ReadonlyMap<string, CmdletMetadata>;
  /** Runs one line; must honour the signal (Ctrl-C). */
  readonly run: (line: string, signal: AbortSignal) => Promise<void>;
  readonly historyFile?: string | undefined;
  readonly historySize?: number;
  readonly terminal?: boolean;
}

const MAX_HISTORY = 1000;

async function loadHistory(file: string | undefined): Promise<string[]> {
  if (file === undefined) return [];
  try {
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    // node:readline wants the newest first.
    return lines.slice(-MAX_HISTORY).reverse();
  } catch {
    return [];
  }
}

async function saveHistoryLine(file: string | undefined, line: string): Promise<void> {
  if (file === undefined) return;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await appendFile(file, `${line.replace(/\r?\n/g, ' ')}\n`, { mode: 0o600 });
}

/** Runs the prompt until the user leaves. Resolves with the number of lines run. */
export async function runRepl(options: ReplOptions): Promise<number> {
  const history = await loadHistory(options.historyFile);
  const rl = createInterface({
    input: options.input,
    output: options.output,
    prompt: options.prompt,
    terminal: options.terminal ?? (options.output as NodeJS.WriteStream).isTTY === true,
    history,
    historySize: options.historySize ?? MAX_HISTORY,
    removeHistoryDuplicates: true,
    completer: (line: string) => completeLine(line, options.catalog),
  });
  let running: AbortController | undefined;
  let lastInterrupt = 0;
  let count = 0;
  const write = (text: string): void => void options.output.write(text);

  rl.on('SIGINT', () => {
    if (running !== undefined) {
      write('\n^C stopping the command...\n');
      running.abort(new Error('Stopped with Ctrl-C'));
      return;
    }
    const now = Date.now();
    if (now - lastInterrupt < 1500) {
      rl.close();
      return;
    }
    lastInterrupt = now;
    write('\n(Ctrl-C again, Ctrl-D or `exit` to leave)\n');
    rl.prompt();
  });

  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '') {
      rl.prompt();
      continue;
    }
    if (/^(exit|quit)$/i.test(line)) break;
    if (/^(cls|clear)$/i.test(line)) {
      write('\x1b[2J\x1b[H');
      rl.prompt();
      continue;
    }
    await saveHistoryLine(options.historyFile, line).catch(() => undefined);
    running = new AbortController();
    // The input keeps flowing while the command runs: in raw mode Ctrl-C is a keypress that readline turns into its
    // 'SIGINT' event, so pausing the input here would leave Ctrl-C unread until the command ended on its own.
    try {
      await options.run(line, running.signal);
      count += 1;
    } finally {
      running = undefined;
    }
    rl.prompt();
  }
  rl.close();
  return count;
}
