import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SessionLimitError } from '../exchange/sessions.js';
import { RPS_DISABLED_TEXT, remotePowerShellNotEnabledText } from './texts.js';
import { createRpsFixture } from './test-support/rps-fixture.js';

const SERVICE_TEXTS = fileURLToPath(new URL('../../../../packages/exo-client/src/rps/service-texts.ts', import.meta.url));

interface ServiceTexts {
  readonly RPS_DISABLED_TEXT: string;
  buildRemotePowerShellNotEnabledText(user: string): string;
  parseServiceRefusal(text: string): { readonly kind: string } | undefined;
}

describe('refusal texts are the ones the exo-client recognises', () => {
  it('uses the same strings as packages/exo-client/src/rps/service-texts.ts', async () => {
    expect(readFileSync(SERVICE_TEXTS, 'utf8')).toContain('RPS_DISABLED_TEXT');
    const texts = (await import(pathToFileURL(SERVICE_TEXTS).href)) as ServiceTexts;
    expect(RPS_DISABLED_TEXT).toBe(texts.RPS_DISABLED_TEXT);
    expect(remotePowerShellNotEnabledText('a@contoso.com')).toBe(texts.buildRemotePowerShellNotEnabledText('a@contoso.com'));
    expect(texts.parseServiceRefusal(RPS_DISABLED_TEXT)?.kind).toBe('rps-disabled');
    expect(texts.parseServiceRefusal(remotePowerShellNotEnabledText('a@contoso.com'))?.kind).toBe('remote-powershell-disabled');
    // The session registry's cap and budget texts, as the RPS endpoint sends them.
    const { exchange } = createRpsFixture();
    const refusals: string[] = [];
    for (let i = 0; i < 7; i++) {
      try {
        exchange.sessions.open('someone@contoso.com', { transport: 'rps' });
      } catch (error) {
        if (error instanceof SessionLimitError) refusals.push(error.message);
        exchange.sessions.close(exchange.sessions.list('someone@contoso.com')[0]?.id ?? '');
      }
    }
    expect(refusals.map((t) => texts.parseServiceRefusal(t)?.kind)).toEqual(['session-cap', 'runspace-budget']);
  });
});
