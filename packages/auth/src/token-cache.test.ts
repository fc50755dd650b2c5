import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { CLOUD_ENVIRONMENTS, EXO_CLIENT_IDS } from '@exops/contracts';
import {
  clearTokenCache,
  createDeviceCodeTokenProvider,
  createKeyringKeyProvider,
  createFileTokenCache,
  createSilentTokenProvider,
  createStaticKeyProvider,
  defaultTokenCachePath,
} from './index.js';
import type { KeyringModule, TokenCacheKeyProvider } from './index.js';
import { buildTokenResponse, entraHandlers } from './test-support/entra-mock.js';

const posix = process.platform !== 'win32';
const newDir = () => mkdtempSync(join(tmpdir(), 'exops-cache-'));
const serialized = JSON.stringify({ Account: { a: { username: 'u@contoso.com' } }, AccessToken: {}, RefreshToken: {}, IdToken: {}, AppMetadata: {} });
const noKeyring: TokenCacheKeyProvider = { description: 'none', getKey: () => Promise.resolve(undefined) };

describe('defaultTokenCachePath', () => {
  it('follows XDG on Unix, ~/.config without it, and %APPDATA% on Windows', () => {
    expect(defaultTokenCachePath({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/exops/token-cache.json');
    expect(defaultTokenCachePath({}, 'darwin', '/Users/u')).toBe('/Users/u/.config/exops/token-cache.json');
    expect(defaultTokenCachePath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toContain('exops');
  });
});

function fakeKeyring(store: Map<string, string>, failing = false): () => Promise<KeyringModule> {
  class AsyncEntry {
    constructor(
      private readonly service: string,
      private readonly account: string,
      readonly options?: unknown,
    ) {}
    getPassword(): Promise<string | null> {
      if (failing) return Promise.reject(new Error('Platform failure: DBus error'));
      return Promise.resolve(store.get(`${this.service}/${this.account}`) ?? null);
    }
    setPassword(password: string): Promise<void> {
      store.set(`${this.service}/${this.account}`, password);
      return Promise.resolve();
    }
  }
  return () => Promise.resolve({ AsyncEntry });
}

describe('keyring key provider', () => {
  it('creates a 32-byte key on first use and reuses it', async () => {
    const store = new Map<string, string>();
    const first = await createKeyringKeyProvider({ loadKeyring: fakeKeyring(store) }).getKey();
    expect(first?.length).toBe(32);
    expect(store.get('exops/token-cache-key')).toBe(first?.toString('base64'));
    const again = await createKeyringKeyProvider({ loadKeyring: fakeKeyring(store) }).getKey();
    expect(again?.equals(first!)).toBe(true);
  });

  it('replaces a value that is not a 32-byte key', async () => {
    const store = new Map([['exops/token-cache-key', 'c2hvcnQ=']]);
    const key = await createKeyringKeyProvider({ loadKeyring: fakeKeyring(store) }).getKey();
    expect(key?.length).toBe(32);
  });

  it('resolves undefined when the keyring fails or the package is missing', async () => {
    await expect(createKeyringKeyProvider({ loadKeyring: fakeKeyring(new Map(), true) }).getKey()).resolves.toBeUndefined();
    await expect(createKeyringKeyProvider({ loadKeyring: () => Promise.reject(new Error('Cannot find module')) }).getKey()).resolves.toBeUndefined();
  });
});

describe('file token cache', () => {
  it('round-trips through AES-256-GCM with an injected key, mode 0600, no plaintext on disk', async () => {
    const path = join(newDir(), 'sub', 'token-cache.json');
    const key = createStaticKeyProvider(randomBytes(32));
    const notices: string[] = [];
    const store = createFileTokenCache({ path, encryption: key, notice: (m) => notices.push(m) });
    await store.write(serialized);
    const onDisk = readFileSync(path, 'utf8');
    expect(onDisk).not.toContain('u@contoso.com');
    expect(JSON.parse(onDisk)).toMatchObject({ format: 'exops-token-cache', encryption: 'aes-256-gcm' });
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await createFileTokenCache({ path, encryption: key }).read()).toBe(serialized);
    expect(notices).toEqual([]);
  });

  it('starts empty with a warning when the key is wrong, the file is corrupt or tampered', async () => {
    const path = join(newDir(), 'token-cache.json');
    await createFileTokenCache({ path, encryption: createStaticKeyProvider(randomBytes(32)) }).write(serialized);
    const notices: string[] = [];
    const other = createFileTokenCache({ path, encryption: createStaticKeyProvider(randomBytes(32)), notice: (m) => notices.push(m) });
    await expect(other.read()).resolves.toBeUndefined();
    expect(notices[0]).toMatch(/cannot be decrypted/);

    const key = createStaticKeyProvider(randomBytes(32));
    await createFileTokenCache({ path, encryption: key }).write(serialized);
    const envelope = JSON.parse(readFileSync(path, 'utf8')) as { data: string };
    const bytes = Buffer.from(envelope.data, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    writeFileSync(path, JSON.stringify({ ...envelope, data: bytes.toString('base64') }), { mode: 0o600 });
    await expect(createFileTokenCache({ path, encryption: key, notice: (m) => notices.push(m) }).read()).resolves.toBeUndefined();

    writeFileSync(path, '{"format":"exops-tok', { mode: 0o600 });
    await expect(createFileTokenCache({ path, encryption: key, notice: (m) => notices.push(m) }).read()).resolves.toBeUndefined();
    expect(notices.at(-1)).toMatch(/not valid JSON/);
  });

  it.runIf(posix)('repairs a file readable by others on read', async () => {
    const path = join(newDir(), 'token-cache.json');
    const store = createFileTokenCache({ path, encryption: false, notice: () => undefined });
    await store.write(serialized);
    chmodSync(path, 0o644);
    const notices: string[] = [];
    await expect(createFileTokenCache({ path, encryption: false, notice: (m) => notices.push(m) }).read()).resolves.toBe(serialized);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(notices[0]).toMatch(/mode 644.*600/);
  });

  it('falls back to a plain file with a one-time notice when no keyring key exists', async () => {
    const path = join(newDir(), 'token-cache.json');
    const notices: string[] = [];
    const store = createFileTokenCache({ path, encryption: noKeyring, notice: (m) => notices.push(m) });
    await store.write(serialized);
    await store.write(serialized);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/unencrypted/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ encryption: 'none' });
    const later = createFileTokenCache({ path, encryption: noKeyring, notice: (m) => notices.push(m) });
    await expect(later.read()).resolves.toBe(serialized);
    await later.write(serialized);
    expect(notices).toHaveLength(1);
  });

  it('encrypts a plain file once a key becomes available', async () => {
    const path = join(newDir(), 'token-cache.json');
    await createFileTokenCache({ path, encryption: false, notice: () => undefined }).write(serialized);
    const key = createStaticKeyProvider(randomBytes(32));
    const store = createFileTokenCache({ path, encryption: key });
    await expect(store.read()).resolves.toBe(serialized);
    await store.write(serialized);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ encryption: 'aes-256-gcm' });
  });

  it('never leaves a torn file or a temporary file behind under concurrent writers', async () => {
    const dir = newDir();
    const path = join(dir, 'token-cache.json');
    const key = createStaticKeyProvider(randomBytes(32));
    const contents = Array.from({ length: 20 }, (_, i) => JSON.stringify({ Account: { n: i, pad: 'x'.repeat(20_000 + i) } }));
    await Promise.all(contents.map((c) => createFileTokenCache({ path, encryption: key }).write(c)));
    const read = await createFileTokenCache({ path, encryption: key }).read();
    expect(contents).toContain(read);
    expect(readdirSync(dir)).toEqual(['token-cache.json']);
  });

  it('clearTokenCache removes the file and says whether there was one', async () => {
    const path = join(newDir(), 'token-cache.json');
    await createFileTokenCache({ path, encryption: false, notice: () => undefined }).write(serialized);
    await expect(clearTokenCache({ path })).resolves.toBe(true);
    await expect(clearTokenCache({ path })).resolves.toBe(false);
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => createStaticKeyProvider(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('the cache behind MSAL', () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('persists a sign-in encrypted so a later process signs in silently', async () => {
    const user = 'admin@contoso.onmicrosoft.com';
    let tokenRequests = 0;
    server.use(
      ...entraHandlers(() => {
        tokenRequests += 1;
        return { body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) };
      }),
    );
    const path = join(newDir(), 'token-cache.json');
    const key = createStaticKeyProvider(randomBytes(32));
    const first = await createDeviceCodeTokenProvider({
      environment: CLOUD_ENVIRONMENTS.O365Default,
      upn: user,
      cache: createFileTokenCache({ path, encryption: key }),
      network: { proxy: false },
      onDeviceCode: () => undefined,
    }).getToken();
    const onDisk = readFileSync(path, 'utf8');
    expect(onDisk).not.toContain(first.token);
    expect(onDisk).not.toContain(user);
    const again = await createSilentTokenProvider({
      environment: CLOUD_ENVIRONMENTS.O365Default,
      upn: user,
      cache: createFileTokenCache({ path, encryption: key }),
      network: { proxy: false },
    }).getToken();
    expect(again.token).toBe(first.token);
    expect(tokenRequests).toBe(1);
  });
});
