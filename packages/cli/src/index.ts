/** @exops/cli: the `exops` and `exo-doctor` commands, and their pieces for tools that embed them. */
export { main, splitRunArguments } from './cli.js';
export type { CliIo } from './cli.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
export { formatError } from './report-error.js';
export { bindArguments, parsePowerShellValue, suggest, tokenizeCommandLine } from './params/index.js';
export type { CmdletMetadata, ParameterMetadata } from './params/index.js';
export { createOutputWriter } from './output/writers.js';
export type { OutputFormat, OutputWriter, OutputWriterOptions } from './output/writers.js';
