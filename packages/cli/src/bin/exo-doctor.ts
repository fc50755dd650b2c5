#!/usr/bin/env node
import { main } from '../cli.js';

// `exo-doctor` is `exops doctor`: every connection option of `exops connect` is accepted.
const code = await main(['doctor', ...process.argv.slice(2)], { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
process.exitCode = code;
