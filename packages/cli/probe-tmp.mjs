import { bindArguments, tokenizeCommandLine, parsePowerShellValue } from './dist/index.js';
for (const n of [2000, 8000]) {
  const line = Array.from({length:n},(_, i)=>`-p${i} v`).join(' ');
  let s = performance.now(); const t = tokenizeCommandLine(line); const t1 = performance.now()-s;
  s = performance.now(); bindArguments(t); console.log(n, 'tokenize', t1.toFixed(0), 'bind', (performance.now()-s).toFixed(0));
}
