/** The yargs module of `exops decode`: thin; the work is in ../decode. */
import { readFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { runDecode, type DecodeIo } from '../decode/index.js';

/** Options of `exops decode` as yargs parses them. */
export interface DecodeCommandOptions {
  readonly files: string[] | undefined;
  readonly json: boolean;
  readonly typed: boolean;
  readonly verbose?: boolean | undefined;
}

function colorFor(stream: NodeJS.WriteStream): boolean {
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}

/** Process I/O for {@link runDecode}. */
export function createProcessDecodeIo(): DecodeIo {
  return {
    readFile: async (path) => new Uint8Array(await readFile(path)),
    readStdin,
    stdinIsTerminal: process.stdin.isTTY === true,
    writeOut: (text) => {
      process.stdout.write(text);
    },
    writeErr: (text) => {
      process.stderr.write(text);
    },
    colorOut: colorFor(process.stdout),
    colorErr: colorFor(process.stderr),
  };
}

/** `exops decode [files..] [--json] [--typed]`. */
export const decodeCommand: CommandModule<object, DecodeCommandOptions> = {
  command: 'decode [files..]',
  describe: 'Decode captured WS-Management/PSRP traffic or CLIXML: print every PowerShell remoting message it holds',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('files', {
        type: 'string',
        array: true,
        describe:
          'Capture files, read in order as one capture: SOAP envelopes (one or several per file), pypsrp YAML recordings, ' +
          'CLIXML (<Objs> or "#< CLIXML"), base64 of PSRP fragments, or raw fragment bytes. "-" or none reads stdin.',
      })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON object per line: PSRP messages as {destination, messageType, rpid, pid, data}, CLIXML objects as {data}' })
      .option('typed', { type: 'boolean', default: false, describe: 'Add "@types": [...] first in each JSON object (implies --json)' })
      .example('exops decode capture.xml', 'The PSRP messages in the envelopes of capture.xml')
      .example('exops decode a.xml b.xml c.xml', 'Several files as one capture, in order')
      .example('exops decode --json rec.yml | jq .data', 'A pypsrp recording as JSON lines')
      .example('exops decode - < blob.b64', 'A base64 blob (creationXml, Stream) from stdin')
      .example('exops decode --typed out.clixml', 'Export-Clixml output as JSON with type names') as unknown as Argv<DecodeCommandOptions>,
  handler: async (argv) => {
    // `exops decode big.yml | head`: the reader has gone, so stop quietly instead of dying on EPIPE.
    const onStdoutError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    };
    process.stdout.on('error', onStdoutError);
    try {
      process.exitCode = await runDecode(
        { files: argv.files ?? [], json: argv.json, typed: argv.typed, verbose: argv.verbose === true },
        createProcessDecodeIo(),
      );
    } finally {
      process.stdout.off('error', onStdoutError);
    }
  },
};
