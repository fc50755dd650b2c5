/**
 * Headless Chromium for the browser sign-in tests: Debian's package (stack.md: never a downloaded browser build), the
 * flags this closed network needs, and trust in exactly one TLS key (a pin) instead of ignoring certificate errors.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether the browser tests can run here; when not, they skip with {@link chromiumSkipReason}. */
export const hasChromium = existsSync(CHROMIUM_PATH);

export const chromiumSkipReason = `${CHROMIUM_PATH} is not installed; apt-get install -y chromium (.ci/run does)`;

/** A headless Chromium with its own profile folder that trusts the TLS key whose SPKI SHA-256 (base64) is given. */
export function launchChromiumTrusting(profileDir: string, trustedSpkiSha256: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      // Without these, Chromium calls out at start and this network refuses the connections.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${trustedSpkiSha256}`,
    ],
  });
}
