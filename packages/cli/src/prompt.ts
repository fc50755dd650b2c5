/** Reads one line from the terminal without echoing it (a password for `--credential`). */
import { ExopsError, ExopsErrorCode } from '@exops/contracts';

export function readHiddenLine(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    if (input.isTTY !== true) {
      reject(new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'There is no terminal to read the password from.', { remedy: 'Set EXOPS_PASSWORD instead.' }));
      return;
    }
    output.write(question);
    input.setRawMode(true);
    input.resume();
    let value = '';
    const finish = (error?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      output.write('\n');
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new ExopsError(ExopsErrorCode.ABORTED, 'Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
