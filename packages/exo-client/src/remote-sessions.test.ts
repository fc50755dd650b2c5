import { afterEach, describe, expect, it } from 'vitest';
import { loadPypsrpRecording } from '@exops/test-vectors';
import { parseWsmanResponse } from '@exops/wsman';
import { buildEnumerateResponse, buildPullResponse, buildDeleteResponse, buildInvalidSelectorsFault } from '@exops/wsman';
import { formatRemoteSessions, listRemoteSessions, removeRemoteSessions, selectRemoteSessions } from './remote-sessions.js';
import { startWsmanServer, testHttp, testToken, type TestWsmanServer } from './rps/test-support/wsman-test-server.js';

const EXCHANGE = 'http://schemas.microsoft.com/powershell/Microsoft.Exchange';
const servers: TestWsmanServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('selectRemoteSessions', () => {
  it('reads the shells a real Windows server enumerated (test_psrp_disconnect_runspaces.yml)', () => {
    const recorded = loadPypsrpRecording('test_psrp_disconnect_runspaces.yml').exchanges[11]!.response;
    const parsed = parseWsmanResponse(recorded);
    const shells = parsed.kind === 'enumerate' ? parsed.shells : [];
    expect(selectRemoteSessions(shells, 'Microsoft.Exchange')).toEqual([]);
    expect(selectRemoteSessions(shells, 'Microsoft.PowerShell')).toEqual([
      { id: 'B6631D8E-65A0-49F2-9053-A1B156C95777', name: undefined, owner: 'WIN-NNMU24VVKJ0\\vagrant', clientIp: '10.0.2.2', state: 'Disconnected', resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell', ageSeconds: 9, idleSeconds: 0, createdByExops: false },
      { id: '01AA3E43-9E21-424B-A7FC-BC16AA34F4CE', name: undefined, owner: 'WIN-NNMU24VVKJ0\\vagrant', clientIp: '10.0.2.2', state: 'Disconnected', resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell', ageSeconds: 0, idleSeconds: 0, createdByExops: false },
    ]);
  });

  it('formats one line per session', () => {
    expect(formatRemoteSessions([])).toContain('none');
    expect(formatRemoteSessions([{ id: 'X', name: 'exops-1', owner: undefined, clientIp: undefined, state: 'Connected', resourceUri: EXCHANGE, ageSeconds: 3720, idleSeconds: 30, createdByExops: true }])).toBe(
      '  X  exops-1  age 1h02m  idle 30s  Connected  (exops)',
    );
  });
});

describe('listRemoteSessions / removeRemoteSessions', () => {
  async function serve() {
    const shells = [
      { shellId: 'A1', name: 'exops-aaaa0001', resourceUri: EXCHANGE, state: 'Connected', shellRunTime: 'PT120S', shellInactivity: 'PT60S' },
      { shellId: 'B2', name: 'ExchangeOnlineInternalSession_1', resourceUri: EXCHANGE, state: 'Disconnected' },
      { shellId: 'C3', name: 'exops-cccc0003', resourceUri: EXCHANGE, state: 'Connected' },
      { shellId: 'W4', resourceUri: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd', state: 'Connected' },
    ];
    const deleted: string[] = [];
    const server = await startWsmanServer((r) => {
      const c = { relatesTo: r.header.messageId ?? '' };
      const open = shells.filter((s) => !deleted.includes(s.shellId));
      if (r.kind === 'enumerate') return { body: buildEnumerateResponse(c, { shells: open.slice(0, 2), enumerationContext: 'ctx-1', endOfSequence: false }).xml };
      if (r.kind === 'pull') return { body: buildPullResponse(c, { shells: open.slice(2), endOfSequence: true }).xml };
      if (r.kind === 'delete') {
        const id = r.selectors['ShellId']!;
        if (id === 'C3') return { body: buildInvalidSelectorsFault(c).xml.replace('InvalidSelectors', 'AccessDenied').replace('2150858843', '5') };
        deleted.push(id);
        return { body: buildDeleteResponse(c).xml };
      }
      return { status: 599, body: r.kind };
    });
    servers.push(server);
    return { server, deleted, options: { http: testHttp(), connectionUri: server.url, token: testToken() } };
  }

  it('lists this configuration\'s sessions across Enumerate and Pull', async () => {
    const { server, options } = await serve();
    const sessions = await listRemoteSessions(options);
    expect(sessions.map((s) => [s.id, s.createdByExops, s.ageSeconds, s.idleSeconds])).toEqual([
      ['A1', true, 120, 60],
      ['B2', false, undefined, undefined],
      ['C3', true, undefined, undefined],
    ]);
    expect(server.requests.map((r) => r.kind)).toEqual(['enumerate', 'pull']);
    expect(server.requests[0]!.header.resourceUri).toBe('http://schemas.microsoft.com/wbem/wsman/1/windows/shell');
    expect(new URL(server.raw[0]!.url, server.url).searchParams.get('BasicAuthToOAuthConversion')).toBe('true');
  });

  it('removes only exops sessions, reporting each failure on its own', async () => {
    const { deleted, options } = await serve();
    const result = await removeRemoteSessions(options, { onlyExops: true });
    expect(result.removed).toEqual(['A1']);
    expect(result.failed.map((f) => f.id)).toEqual(['C3']);
    expect(result.failed[0]!.error.code).toBe('EXOPS_AUTH_ACCESS_DENIED');
    expect(deleted).toEqual(['A1']);
  });

  it('removes given ids and reports ids that are not open', async () => {
    const { deleted, options } = await serve();
    const result = await removeRemoteSessions(options, { ids: ['b2', 'NOPE'] });
    expect(result.removed).toEqual(['B2']);
    expect(result.failed.map((f) => [f.id, f.error.code])).toEqual([['NOPE', 'EXOPS_INVALID_ARGUMENT']]);
    expect(deleted).toEqual(['B2']);
  });

  it('removes all of this configuration and never a WinRS shell', async () => {
    const { deleted, options } = await serve();
    const result = await removeRemoteSessions(options, { all: true });
    expect(result.removed).toEqual(['A1', 'B2']);
    expect(deleted).not.toContain('W4');
  });
});
