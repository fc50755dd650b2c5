import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExopsError, ExopsErrorCode, redactText } from '@exops/contracts';

/** A 32-byte AES-256-GCM key for the token cache, or undefined when none can be had (no keyring). */
export interface TokenCacheKeyProvider {
  /** Where the key lives, for messages ("the macOS Keychain", "an injected key"). */
  readonly description: string;
  getKey(): Promise<Buffer | undefined>;
}

/** Where MSAL's serialized cache is kept. `@exops/auth` turns it into MSAL's cache plugin. */
export interface TokenCacheStore {
  /** The file behind the store; undefined for a memory store. */
  readonly path: string | undefined;
  /** The serialized MSAL cache, or undefined when there is none (or it could not be read: a warning was given). */
  read(): Promise<string | undefined>;
  /** Replaces the stored cache atomically. */
  write(serialized: string): Promise<void>;
  /** Removes the stored cache (`exops logout`). Resolves true when something was removed. */
  clear(): Promise<boolean>;
}

/** Options of the file token cache. */
export interface FileTokenCacheOptions {
  /** The cache file. Default: {@link defaultTokenCachePath}. */
  readonly path?: string | undefined;
  /**
   * The encryption key: `'keyring'` (default) takes it from the OS keyring and falls back to a plain file when there
   * is none; `false` always writes plain; a provider supplies the key (tests, a secrets manager).
   */
  readonly encryption?: 'keyring' | false | TokenCacheKeyProvider | undefined;
  /** Where notices and warnings go (a plain cache, a repaired mode, an unreadable file). Default: stderr. */
  readonly notice?: ((message: string) => void) | undefined;
}

const FORMAT = 'exops-token-cache';
const AAD = Buffer.from(`${FORMAT}:v1`, 'utf8');
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const KEYRING_SERVICE = 'exops';
const KEYRING_ACCOUNT = 'token-cache-key';

interface EncryptedEnvelope {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly encryption: 'aes-256-gcm';
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

interface PlainEnvelope {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly encryption: 'none';
  readonly cache: unknown;
}

/**
 * The default cache file: `%APPDATA%\exops\token-cache.json` on Windows, else `$XDG_CONFIG_HOME/exops/token-cache.json`
 * or `~/.config/exops/token-cache.json` (macOS included, as most CLIs there do).
 */
export function defaultTokenCachePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'win32') {
    const appData = env['APPDATA'] ?? join(home, 'AppData', 'Roaming');
    return join(appData, 'exops', 'token-cache.json');
  }
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : join(home, '.config');
  return join(base, 'exops', 'token-cache.json');
}

/** A key provider over a fixed key (tests, or a key from a secrets manager). */
export function createStaticKeyProvider(key: Uint8Array, description = 'an injected key'): TokenCacheKeyProvider {
  if (key.length !== 32) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `A token cache key must be 32 bytes (AES-256); got ${key.length}.`);
  }
  const copy = Buffer.from(key);
  return { description, getKey: () => Promise.resolve(copy) };
}

/** The part of `@napi-rs/keyring` exops uses, loaded lazily: the package is optional. */
export interface KeyringModule {
  AsyncEntry: new (
    service: string,
    account: string,
    options?: { linux?: { store?: 'secret-service' | 'keyutils' } },
  ) => { getPassword(): Promise<string | null>; setPassword(password: string): Promise<void> };
}

/** Options of {@link createKeyringKeyProvider}. */
export interface KeyringKeyProviderOptions {
  /** The keyring service name (default `exops`). */
  readonly service?: string | undefined;
  /** The keyring account name (default `token-cache-key`). */
  readonly account?: string | undefined;
  /** Loads the keyring module (default: `import('@napi-rs/keyring')`); tests inject a fake. */
  readonly loadKeyring?: (() => Promise<KeyringModule>) | undefined;
}

/**
 * The key from the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service on Linux), created on
 * first use. Resolves undefined when there is no keyring (headless Linux, the optional package missing). On Linux
 * the entry is pinned to the Secret Service: the kernel keyring forgets keys at logout, which would orphan the file.
 */
export function createKeyringKeyProvider(options: KeyringKeyProviderOptions = {}): TokenCacheKeyProvider {
  const service = options.service ?? KEYRING_SERVICE;
  const account = options.account ?? KEYRING_ACCOUNT;
  const loadKeyring = options.loadKeyring ?? (async () => (await import('@napi-rs/keyring')) as unknown as KeyringModule);
  let cached: Promise<Buffer | undefined> | undefined;
  async function load(): Promise<Buffer | undefined> {
    let keyring: KeyringModule;
    try {
      keyring = await loadKeyring();
    } catch {
      return undefined;
    }
    try {
      const entry = new keyring.AsyncEntry(service, account, { linux: { store: 'secret-service' } });
      const existing = await entry.getPassword();
      if (existing !== null) {
        const key = Buffer.from(existing, 'base64');
        if (key.length === 32) return key;
      }
      await entry.setPassword(randomBytes(32).toString('base64'));
      const stored = await entry.getPassword();
      if (stored === null) return undefined;
      const key = Buffer.from(stored, 'base64');
      return key.length === 32 ? key : undefined;
    } catch {
      return undefined;
    }
  }
  return {
    description: 'the OS keyring',
    getKey: () => (cached ??= load()),
  };
}

/** Encrypts a serialized cache into the file envelope (AES-256-GCM, fresh 96-bit IV each write). */
export function buildEncryptedCacheFile(serialized: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(serialized, 'utf8'), cipher.final()]);
  const envelope: EncryptedEnvelope = {
    format: FORMAT,
    version: 1,
    encryption: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return JSON.stringify(envelope);
}

function isEnvelope(value: unknown): value is EncryptedEnvelope | PlainEnvelope {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === FORMAT;
}

/**
 * Reads the file envelope back to the serialized cache. Throws an AUTH_CACHE error naming the cause for anything
 * that cannot be used (not JSON, not ours, a wrong or missing key, a tampered file).
 */
export function parseCacheFile(text: string, key: Buffer | undefined): { serialized: string; encrypted: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.AUTH_CACHE, 'the token cache file is not valid JSON', { cause });
  }
  if (!isEnvelope(parsed)) throw new ExopsError(ExopsErrorCode.AUTH_CACHE, 'the token cache file is not in the exops format');
  if (parsed.encryption === 'none') {
    if (typeof parsed.cache !== 'object' || parsed.cache === null) {
      throw new ExopsError(ExopsErrorCode.AUTH_CACHE, 'the token cache file holds no cache');
    }
    return { serialized: JSON.stringify(parsed.cache), encrypted: false };
  }
  if (parsed.encryption !== 'aes-256-gcm') {
    throw new ExopsError(ExopsErrorCode.AUTH_CACHE, `the token cache file uses an unknown encryption '${String((parsed as { encryption: unknown }).encryption)}'`);
  }
  if (key === undefined) {
    throw new ExopsError(ExopsErrorCode.AUTH_CACHE, 'the token cache file is encrypted and no key is available from the keyring');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parsed.iv, 'base64'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(parsed.tag, 'base64'));
    const serialized = Buffer.concat([decipher.update(Buffer.from(parsed.data, 'base64')), decipher.final()]).toString('utf8');
    JSON.parse(serialized);
    return { serialized, encrypted: true };
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.AUTH_CACHE, 'the token cache file cannot be decrypted with the key from the keyring (another key, or a damaged file)', {
      cause,
    });
  }
}

/** Writes `content` to `path` through a temporary file in the same folder and a rename: readers never see a torn file. */
async function writeFileAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // The umask may have narrowed the mode; it can never widen it, but be exact.
    await chmod(temp, FILE_MODE);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * The token cache as a file: mode 0600 (checked and repaired on every read), replaced atomically on every write,
 * AES-256-GCM encrypted with a key from the OS keyring when one is available, otherwise plain with a notice. A file
 * that cannot be used is set aside with a warning and sign-in starts from an empty cache: it never crashes a command.
 * Concurrent processes: the last writer wins, whole.
 */
export function createFileTokenCache(options: FileTokenCacheOptions = {}): TokenCacheStore {
  const path = options.path ?? defaultTokenCachePath();
  const notice = options.notice ?? ((message: string) => process.stderr.write(`${message}\n`));
  const encryption = options.encryption ?? 'keyring';
  const keyProvider = encryption === false ? undefined : encryption === 'keyring' ? createKeyringKeyProvider() : encryption;
  let lastWasPlain: boolean | undefined;

  async function key(): Promise<Buffer | undefined> {
    return keyProvider === undefined ? undefined : keyProvider.getKey();
  }

  return {
    path,
    async read() {
      let text: string;
      try {
        if (process.platform !== 'win32') {
          const info = await stat(path);
          if ((info.mode & 0o077) !== 0) {
            await chmod(path, FILE_MODE);
            notice(`exops: the token cache ${path} was readable by other users (mode ${(info.mode & 0o777).toString(8)}); set it to 600.`);
          }
        }
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        notice(`exops: warning: cannot read the token cache ${path} (${redactText(String((error as Error).message))}); starting with an empty cache.`);
        return undefined;
      }
      try {
        const { serialized, encrypted } = parseCacheFile(text, await key());
        lastWasPlain = !encrypted;
        return serialized;
      } catch (error) {
        notice(
          `exops: warning: ${(error as Error).message}: ${path}. Starting with an empty cache; the next sign-in replaces the file.`,
        );
        return undefined;
      }
    },
    async write(serialized) {
      const k = await key();
      let content: string;
      if (k === undefined) {
        if (lastWasPlain !== true) {
          notice(
            `exops: notice: no OS keyring is available, so the token cache ${path} is stored unencrypted, readable only by you (mode 600). ` +
              'Install and unlock a Secret Service keyring (GNOME Keyring, KWallet) to encrypt it, or run `exops logout` to remove it.',
          );
        }
        const envelope: PlainEnvelope = { format: FORMAT, version: 1, encryption: 'none', cache: JSON.parse(serialized) as unknown };
        content = JSON.stringify(envelope);
        lastWasPlain = true;
      } else {
        content = buildEncryptedCacheFile(serialized, k);
        lastWasPlain = false;
      }
      try {
        await writeFileAtomically(path, content);
      } catch (cause) {
        throw new ExopsError(ExopsErrorCode.AUTH_CACHE, `Cannot write the token cache ${path}: ${redactText((cause as Error).message)}.`, {
          cause,
          remedy: 'Check that the folder is writable by you, or point the cache elsewhere (--token-cache).',
        });
      }
    },
    async clear() {
      try {
        await rm(path);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return false;
        throw new ExopsError(ExopsErrorCode.AUTH_CACHE, `Cannot remove the token cache ${path}: ${redactText((error as Error).message)}.`, {
          cause: error,
          remedy: 'Remove the file by hand.',
        });
      }
    },
  };
}

/** A cache that lives as long as the process (app-only sign-in, tests). */
export function createMemoryTokenCache(): TokenCacheStore {
  let data: string | undefined;
  return {
    path: undefined,
    read: () => Promise.resolve(data),
    write: (serialized) => {
      data = serialized;
      return Promise.resolve();
    },
    clear: () => {
      const had = data !== undefined;
      data = undefined;
      return Promise.resolve(had);
    },
  };
}

/** Removes the persisted token cache (`exops logout`). Resolves true when a file was removed. */
export function clearTokenCache(options: { readonly path?: string | undefined } = {}): Promise<boolean> {
  return createFileTokenCache({ path: options.path, encryption: false, notice: () => undefined }).clear();
}
