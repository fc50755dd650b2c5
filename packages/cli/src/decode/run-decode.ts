/**
 * `exops decode` end to end with its I/O injected: read each input in turn, decode, write each record as soon as it
 * is complete, and on bad input print the error and return exit code 2. The yargs handler passes process I/O; tests
 * pass buffers.
 */
import { ExopsError, ExopsErrorCode, isExopsError } from '@exops/contracts';
import { ExitCode } from '../exit-codes.js';
import { formatError } from '../report-error.js';
import { CaptureDecoder, type DecodedRecord } from './decode-capture.js';
import { formatRecordHuman, formatRecordJson } from './format.js';

/** The parsed command line of `exops decode`. */
export interface DecodeArguments {
  /** Paths in capture order; `-` (or none) reads stdin. */
  readonly files: readonly string[];
  readonly json: boolean;
  /** `"@types"` in JSON objects; implies JSON output. */
  readonly typed: boolean;
  readonly verbose?: boolean;
}

/** What `runDecode` reads from and writes to. */
export interface DecodeIo {
  readonly readFile: (path: string) => Promise<Uint8Array>;
  readonly readStdin: () => Promise<Uint8Array>;
  /** True when stdin is a terminal: with no files, there is then nothing to read. */
  readonly stdinIsTerminal: boolean;
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
  readonly colorOut: boolean;
  readonly colorErr: boolean;
}

const FLUSH_AT = 64 * 1024;

/** Runs `exops decode`; returns the exit code (0, or 2 for bad input). Never throws for bad input. */
export async function runDecode(args: DecodeArguments, io: DecodeIo): Promise<ExitCode> {
  const json = args.json || args.typed;
  let count = 0;
  let pending = '';
  const emit = (record: DecodedRecord): void => {
    count++;
    pending += json ? `${formatRecordJson(record, { typed: args.typed })}\n` : formatRecordHuman(record, count, { color: io.colorOut });
    if (pending.length >= FLUSH_AT) flush();
  };
  const flush = (): void => {
    if (pending !== '') io.writeOut(pending);
    pending = '';
  };
  try {
    const names = args.files.length === 0 ? ['-'] : args.files;
    if (args.files.length === 0 && io.stdinIsTerminal) {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'exops decode: no input: name a capture file, or pipe one into stdin', {
        remedy: 'exops decode capture.xml   or   Get-Content capture.xml | exops decode -   (see exops decode --help)',
      });
    }
    const decoder = new CaptureDecoder();
    let stdinRead = false;
    for (const name of names) {
      let bytes: Uint8Array;
      if (name === '-') {
        if (stdinRead) throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'exops decode: "-" (stdin) is named twice; stdin can be read only once', { remedy: 'Name "-" once.' });
        stdinRead = true;
        bytes = await io.readStdin();
      } else {
        bytes = await readInput(io, name);
      }
      const input = { name: name === '-' ? 'stdin' : name, bytes };
      for (const record of decoder.decodeInput(input)) emit(record);
      flush();
    }
    decoder.finish();
    return ExitCode.OK;
  } catch (error) {
    flush();
    io.writeErr(formatError(error, { verbose: args.verbose === true, color: io.colorErr }));
    // Every failure here is about the input: a file that cannot be read or data that is not a valid capture.
    return isExopsError(error) || isNodeError(error) ? ExitCode.USAGE : ExitCode.COMMAND_ERRORS;
  }
}

async function readInput(io: DecodeIo, path: string): Promise<Uint8Array> {
  try {
    return await io.readFile(path);
  } catch (error) {
    const code = isNodeError(error) ? error.code : undefined;
    const why =
      code === 'ENOENT' ? 'no such file' :
      code === 'EISDIR' ? 'it is a directory' :
      code === 'EACCES' || code === 'EPERM' ? 'permission denied' :
      error instanceof Error ? error.message : String(error);
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `${path}: cannot read the capture: ${why}`, {
      remedy: 'Check the path; use "-" to read stdin.',
      cause: error,
    });
  }
}

function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && !isExopsError(error);
}
