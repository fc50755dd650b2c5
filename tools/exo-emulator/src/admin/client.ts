/**
 * A typed client for the emulator's admin API (`/_admin/`), for tests in any package: read MFA codes, approve device
 * codes, shift the clock, set faults. It trusts the emulator's CA explicitly (never by turning verification off).
 */
import { request as httpsRequest } from 'node:https';
import type { FaultPlan, FaultRuleStats } from '../faults.js';
import type { ClaimsRequestRecord, PendingDeviceCode, PendingMfaCode, TokenGrantRecord } from '../identity/service.js';

/** Thrown for an admin call the emulator refused; `status` is the HTTP status, the message the emulator's reason. */
export class EmulatorAdminError extends Error {
  override readonly name = 'EmulatorAdminError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Options of {@link EmulatorAdminClient}. */
export interface EmulatorAdminClientOptions {
  /** The emulator's base URL, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** The emulator CA (PEM) to trust. */
  readonly caCertPem: string;
}

/** The admin API, typed. */
export class EmulatorAdminClient {
  readonly #url: string;
  readonly #ca: string;

  constructor(options: EmulatorAdminClientOptions) {
    this.#url = options.url.replace(/\/$/, '');
    this.#ca = options.caCertPem;
  }

  /** Calls any admin route (including the Exchange half's) and returns its JSON. `path` is relative to `/_admin`. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const target = new URL(`${this.#url}/_admin${path.startsWith('/') ? path : `/${path}`}`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const outgoing = httpsRequest(
        target,
        {
          method,
          ca: this.#ca,
          headers: { accept: 'application/json', ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            const status = response.statusCode ?? 0;
            if (status >= 400) {
              const reason = json !== null && typeof json === 'object' && 'error' in json ? String((json as { error: unknown }).error) : text.slice(0, 300);
              reject(new EmulatorAdminError(`Emulator admin ${method} ${target.pathname} failed with ${status}: ${reason}`, status));
              return;
            }
            resolve(json as T);
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  /** Verification codes waiting to be typed, optionally for one user. */
  async mfaCodes(upn?: string): Promise<PendingMfaCode[]> {
    const query = upn === undefined ? '' : `?upn=${encodeURIComponent(upn)}`;
    return (await this.request<{ codes: PendingMfaCode[] }>('GET', `/mfa-codes${query}`)).codes;
  }

  /** Polls until a verification code for `upn` is waiting (the page has asked for it), then returns it. */
  async waitForMfaCode(upn: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [latest] = (await this.mfaCodes(upn)).slice(-1);
      if (latest !== undefined) return latest.code;
      if (Date.now() > deadline) throw new EmulatorAdminError(`No verification code for ${upn} appeared within ${timeoutMs} ms; has the sign-in reached the code step?`, 404);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Device codes not yet redeemed. */
  async deviceCodes(): Promise<PendingDeviceCode[]> {
    return (await this.request<{ deviceCodes: PendingDeviceCode[] }>('GET', '/device-codes')).deviceCodes;
  }

  /** Approves a device code as `upn` (as if the user signed in on /devicelogin, MFA included). */
  async approveDeviceCode(userCode: string, upn: string): Promise<void> {
    await this.request('POST', '/device-codes/approve', { userCode, upn });
  }

  /** Declines a device code (the user pressed Cancel). */
  async denyDeviceCode(userCode: string): Promise<void> {
    await this.request('POST', '/device-codes/deny', { userCode });
  }

  /** Moves the emulator's clock; returns its new time. */
  async shiftClock(shiftSeconds: number): Promise<Date> {
    return new Date((await this.request<{ now: string }>('POST', '/clock', { shiftSeconds })).now);
  }

  /** The emulator's current time. */
  async now(): Promise<Date> {
    return new Date((await this.request<{ now: string }>('GET', '/clock')).now);
  }

  /** Replaces the fault plan. */
  async setFaults(plan: FaultPlan): Promise<void> {
    await this.request('POST', '/faults', plan);
  }

  /** Removes every fault. */
  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  /** The fault plan in force and its counters. */
  async faults(): Promise<{ plan: FaultPlan; stats: FaultRuleStats[] }> {
    return this.request('GET', '/faults');
  }

  /** Token requests that carried a `claims` parameter. */
  async claimsRequests(): Promise<ClaimsRequestRecord[]> {
    return (await this.request<{ requests: ClaimsRequestRecord[] }>('GET', '/claims-requests')).requests;
  }

  /** Successful token grants, oldest first. */
  async tokenGrants(): Promise<TokenGrantRecord[]> {
    return (await this.request<{ grants: TokenGrantRecord[] }>('GET', '/token-grants')).grants;
  }

  /** Revokes every refresh token of a user; returns how many. */
  async revokeRefreshTokens(upn: string): Promise<number> {
    return (await this.request<{ revoked: number }>('POST', '/refresh-tokens/revoke', { upn })).revoked;
  }
}
