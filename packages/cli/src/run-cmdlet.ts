/** Runs one cmdlet on a session and hands its streams to the terminal: output to stdout, records to stderr. */
import type { ExoSession } from '@exops/exo-client';
import type { CmdletParameters, PSErrorRecordInfo } from '@exops/contracts';
import { redactText } from '@exops/contracts';
import { createOutputWriter } from './output/writers.js';
import type { OutputFormat, OutputSink } from './output/writers.js';
import { createProgressDisplay } from './progress.js';

export interface TerminalIo {
  readonly stdout: OutputSink & { readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: NodeJS.WriteStream;
  readonly color: boolean;
  readonly verbose: boolean;
}

export interface RunCmdletOptions {
  readonly format: OutputFormat;
  readonly select?: readonly string[] | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly progress?: boolean;
}

export interface RunCmdletResult {
  readonly count: number;
  readonly errors: PSErrorRecordInfo[];
}

function paint(io: TerminalIo, code: string, text: string): string {
  return io.color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** Streams the cmdlet's output as it arrives; returns the count and the non-terminating errors. */
export async function runCmdlet(session: ExoSession, cmdlet: string, parameters: CmdletParameters, io: TerminalIo, options: RunCmdletOptions): Promise<RunCmdletResult> {
  const writer = createOutputWriter(options.format, io.stdout, {
    select: options.select,
    width: io.stdout.isTTY === true ? io.stdout.columns : undefined,
  });
  const progress = createProgressDisplay(io.stderr, options.progress !== false);
  const errors: PSErrorRecordInfo[] = [];
  const line = (text: string): void => void io.stderr.write(`${redactText(text)}\n`);
  try {
    for await (const event of session.invokeStream(cmdlet, parameters, { signal: options.signal })) {
      switch (event.type) {
        case 'output': writer.write(event.value); break;
        case 'warning': line(paint(io, '33', `WARNING: ${event.message}`)); break;
        case 'verbose': if (io.verbose) line(paint(io, '36', `VERBOSE: ${event.message}`)); break;
        case 'debug': if (io.verbose) line(paint(io, '36', `DEBUG: ${event.message}`)); break;
        case 'information': if (io.verbose) line(`INFO: ${String(event.record.messageData)}`); break;
        case 'progress': progress.update(event.record); break;
        case 'error': {
          errors.push(event.record);
          const id = event.record.fullyQualifiedErrorId === undefined ? '' : ` (${event.record.fullyQualifiedErrorId})`;
          line(paint(io, '31', `ERROR: ${event.record.message}${id}`));
          break;
        }
      }
    }
  } finally {
    progress.stop();
    writer.end();
  }
  return { count: writer.count, errors };
}
