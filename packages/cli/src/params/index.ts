export { bindArguments } from './bind-arguments.js';
export type { CmdletMetadata, ParameterMetadata } from './bind-arguments.js';
export { editDistance, suggest } from './did-you-mean.js';
export { parsePowerShellValue } from './parse-value.js';
export { tokenizeCommandLine } from './tokenize-line.js';
