#!/usr/bin/env node
/** The `exo-emulator` executable. */
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`exo-emulator: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
