/** Runs `exops decode` in-process against in-memory files: what the command would print and return. */
import { runDecode, type DecodeArguments } from '../run-decode.js';

export interface DecodeRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface DecodeRunOptions {
  readonly stdin?: string | Uint8Array;
  readonly stdinIsTerminal?: boolean;
}

const encoder = new TextEncoder();

function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? encoder.encode(content) : content;
}

/** `exops decode <files> [--json] [--typed]` over the given file contents. */
export async function runDecodeInMemory(
  args: Partial<DecodeArguments> & { readonly files: readonly string[] },
  files: Readonly<Record<string, string | Uint8Array>>,
  options: DecodeRunOptions = {},
): Promise<DecodeRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runDecode(
    { json: false, typed: false, ...args },
    {
      readFile: async (path) => {
        const content = files[path];
        if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
        return bytesOf(content);
      },
      readStdin: async () => bytesOf(options.stdin ?? ''),
      stdinIsTerminal: options.stdinIsTerminal ?? false,
      writeOut: (text) => {
        stdout += text;
      },
      writeErr: (text) => {
        stderr += text;
      },
      colorOut: false,
      colorErr: false,
    },
  );
  return { stdout, stderr, exitCode };
}

/** The lines of `--json` output, parsed. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}
