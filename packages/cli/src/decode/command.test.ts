import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPsrpcoreOracle } from '@exops/test-vectors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { decodeCommand } from '../commands/decode.js';

function parser() {
  return yargs([]).scriptName('exops').command(decodeCommand).strict().exitProcess(false);
}

async function help(): Promise<string> {
  let text = '';
  await parser().parseAsync(['decode', '--help'], {}, (_error, _argv, output) => {
    text = output;
  });
  return text;
}

describe('the decode yargs command', () => {
  const savedExitCode = process.exitCode;
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = savedExitCode;
  });

  it('describes its files, --json, --typed and examples', async () => {
    const text = await help();
    expect(text).toContain('exops decode [files..]');
    expect(text).toContain('--json');
    expect(text).toContain('--typed');
    expect(text).toContain('Examples:');
    expect(text).toContain('exops decode a.xml b.xml c.xml');
  });

  it('runs on files, writes JSON lines to stdout and leaves exit code 0; bad input sets 2', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'exops-decode-'));
    try {
      const good = path.join(dir, 'loop.b64');
      const bad = path.join(dir, 'bad.txt');
      await writeFile(good, String(loadPsrpcoreOracle()['loopback_pipeline'].payloads[0].base64));
      await writeFile(bad, 'not a capture');
      const out: string[] = [];
      const err: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => err.push(String(chunk)) > 0);

      process.exitCode = undefined;
      await parser().parseAsync(['decode', '--json', good]);
      expect(process.exitCode).toBe(0);
      const lines = out.join('').trim().split('\n');
      expect(lines.length).toBe(11);
      expect(JSON.parse(lines[1]!)).toMatchObject({ messageType: 'PIPELINE_OUTPUT', data: 'hi' });

      await parser().parseAsync(['decode', bad]);
      expect(process.exitCode).toBe(2);
      expect(err.join('')).toMatch(/^error: .*bad\.txt: text that is not XML/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
