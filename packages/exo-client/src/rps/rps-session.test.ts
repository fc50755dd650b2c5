/**
 * ExoSession over RpsTransport (the seam the lead owns): a shell the server dropped before any output is reopened
 * once, with a renewed token, and the command runs on the new shell.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLOUD_ENVIRONMENTS, createStaticTokenProvider, type TokenProvider } from '@exops/contracts';
import { buildInvalidSelectorsFault } from '@exops/wsman';
import { ExoSession, type SessionNotice } from '../session.js';
import { createRpsTransport } from './create-rps-transport.js';
import { startFakeRpsServer, type FakeRpsServer } from './test-support/fake-rps-server.js';
import { testHttp, testToken } from './test-support/wsman-test-server.js';

const servers: FakeRpsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('ExoSession over RPS', () => {
  it('reopens a lost shell once and runs the command on the new one', async () => {
    let commands = 0;
    const server = await startFakeRpsServer({
      pipeline: {
        start: (p) => {
          p.writeOutput('ok');
          p.complete();
        },
      },
      override: (r) => (r.kind === 'command' && ++commands === 1 ? { body: buildInvalidSelectorsFault({ relatesTo: r.header.messageId ?? '' }).xml } : undefined),
    });
    servers.push(server);
    const tokens: TokenProvider = { ...createStaticTokenProvider(testToken()), flow: 'static' };
    const http = testHttp();
    const session = await ExoSession.connect(
      {
        tokenProvider: tokens,
        transport: 'rps',
        http,
        environment: { ...CLOUD_ENVIRONMENTS.O365Default, rpsConnectionUri: server.url },
        createTransport: (_kind, context) => createRpsTransport(context),
      },
    );
    const notices: SessionNotice[] = [];
    session.on('notice', (n) => notices.push(n));
    const { output } = await session.invokeAll('Get-Mailbox', { ResultSize: 1 });
    expect(output).toEqual(['ok']);
    expect(notices.some((n) => n.type === 'reconnected')).toBe(true);
    await session.close();
    expect(server.requests.map((r) => r.kind)).toEqual(['create', 'receive', 'command', 'delete', 'create', 'receive', 'command', 'receive', 'signal', 'delete']);
    expect(server.shells.size).toBe(0);
    await http.close();
  });
});
