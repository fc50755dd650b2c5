import { spawnEmulator, connectAs } from './emulator-process.js';
import { createDefaultHttpTransport } from '@exops/exo-client';
const emu = await spawnEmulator(['--mailboxes', '200']);
try {
  await emu.admin.setFaults({ latency: 50 });
  const inner = createDefaultHttpTransport({ ca: [emu.caCertPem] }, 'rest');
  const t0 = performance.now(); const log: string[] = [];
  const http = { request: async (r: any) => { const s = performance.now() - t0; const res = await inner.request(r); log.push(`${s.toFixed(0)}-${(performance.now() - t0).toFixed(0)}`); return res; }, close: () => inner.close() };
  const s = await connectAs(emu, 'rest', { http });
  log.length = 0;
  const t1 = performance.now();
  const cmds = Array.from({ length: 40 }, (_, i) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: 'automation@contoso.com', CustomAttribute1: 'x' + i } }));
  for await (const r of s.invokeMany(cmds, { concurrency: 20 })) if (r.error) console.log(r.error.message);
  console.log('40 concurrent', (performance.now() - t1).toFixed(0), 'ms'); console.log(log.join(' '));
  await s.close();
} finally { await emu.close(); }
