/**
 * The REST transport: `POST {base}/adminapi/beta/{tenant}/InvokeCommand`, the only path Exchange Online serves since
 * RPS was switched off (reference §2). One request per page; pages stream through `@odata.nextLink`.
 */
import { randomUUID } from 'node:crypto';
import {
  ExopsError,
  ExopsErrorCode,
  PSObject,
  PSPrimitive,
  buildBearerAuthorizationHeader,
  createPSList,
  headerValue,
  isExopsError,
  toExopsError,
} from '@exops/contracts';
import type {
  AccessToken,
  CmdletTransport,
  CommandInvocation,
  CommandStreamEvent,
  HttpResponse,
  HttpTransport,
  PSValue,
} from '@exops/contracts';
import { parseClixmlDocument } from '@exops/psrp';
import { DEFAULT_RETRY_POLICY, abortError, isRetryableStatus, isTransientServiceError, retryDelayMs, sleep } from '../retry.js';
import type { RetryPolicy } from '../retry.js';
import { ExoCommandError, parseRestErrorResponse, parseServiceErrorRecord } from './errors.js';
import { buildInvokeCommandBody } from './parameters.js';
import { buildRoutingHint } from './routing.js';

/** The paging warning the module filters out while it follows nextLink (reference §2.5). */
const MORE_RESULTS_WARNING = 'There are more results available than are currently displayed.';
const CLIENT_VERSION = '0.1.0';
/** `$batch` limit (reference §2.8). */
export const MAX_BATCH_REQUESTS = 10;
const BATCH_LABEL = '$batch';

/** One command's answer in a `$batch`: its events as a single call would yield them, and its failure if it failed as a whole. */
export interface BatchItemResult {
  readonly events: readonly CommandStreamEvent[];
  readonly error?: ExopsError;
}

/**
 * An error of the cmdlet's own work, from Exchange's task layer (`Microsoft.Exchange.Configuration.Tasks.*`,
 * `Microsoft.Exchange.Data.*`), as opposed to binding, authorization, throttling or service failures.
 */
function isTaskError(error: unknown): error is ExoCommandError {
  return (
    error instanceof ExoCommandError &&
    error.code === ExopsErrorCode.EXO_CMDLET_ERROR &&
    (error.status === 400 || error.status === 404) &&
    /^Microsoft\.Exchange\.(?!Admin\.OData\.)/.test(error.record.exceptionType ?? '')
  );
}

export interface RestTransportOptions {
  readonly http: HttpTransport;
  /** `https://outlook.office365.com` or the emulator's origin. */
  readonly baseUrl: string;
  /** The tenant in the URL: the delegated organization, else the token's tenant. */
  readonly organization?: string | undefined;
  /** `clixml` (the module's default: exact .NET types) or `json`. */
  readonly responseFormat?: 'clixml' | 'json';
  /** `Prefer: odata.maxpagesize`, 1 to 1000 (default 1000). */
  readonly pageSize?: number;
  readonly retry?: RetryPolicy;
  /** Called for a 401 claims challenge: must return a fresh token obtained with those claims. */
  readonly renewToken: (claims: string | undefined) => Promise<AccessToken>;
  /** Told about each wait, for `--verbose`. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; status: number | undefined; reason: string }) => void;
  /** Counts HTTP requests, for tests and diagnostics. */
  readonly onRequest?: (url: string) => void;
  readonly random?: () => number;
}

interface InvokeCommandPage {
  readonly value?: unknown[];
  readonly '@odata.nextLink'?: string;
  readonly '@adminapi.warnings'?: unknown[];
  readonly '@adminapi.errors'?: unknown[];
}

/** Extracts the `claims` parameter of a `WWW-Authenticate: Bearer ... claims="<base64>"` challenge. */
export function parseClaimsChallenge(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /claims="([^"]+)"/i.exec(header);
  if (m?.[1] === undefined) return undefined;
  const raw = m[1];
  // Entra sends the claims base64-encoded in the challenge; MSAL wants the JSON.
  if (raw.trimStart().startsWith('{')) return raw;
  try {
    const decoded = Buffer.from(raw, 'base64').toString('utf8');
    return decoded.trimStart().startsWith('{') ? decoded : raw;
  } catch {
    return raw;
  }
}

/** Deepest JSON nesting converted; Exchange objects nest a few levels, and recursion past this would overflow the stack. */
const MAX_JSON_DEPTH = 256;

/** A JSON value of the `json` response format as a PS value (objects become PSObjects with adapted properties). */
export function jsonToPSValue(value: unknown, depth = 0): PSValue {
  if (depth > MAX_JSON_DEPTH) {
    throw new ExopsError(ExopsErrorCode.EXO_SERVICE, `The service answered with JSON nested deeper than ${MAX_JSON_DEPTH} levels.`, {
      remedy: 'A proxy or a broken server sent this answer: run `exo-doctor`, then try again, or use --response-format clixml.',
    });
  }
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) return value;
    return Number.isInteger(value) ? new PSPrimitive('I64', BigInt(value)) : new PSPrimitive('Db', value);
  }
  if (Array.isArray(value)) return createPSList(value.map((item) => jsonToPSValue(item, depth + 1)));
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([k]) => !k.startsWith('@odata.') && !k.includes('@odata.'));
    return new PSObject({ adapted: entries.map(([k, v]) => [k, jsonToPSValue(v, depth + 1)] as [string, PSValue]) });
  }
  return String(value);
}

export class RestTransport implements CmdletTransport {
  readonly kind = 'rest' as const;
  readonly connectionId = randomUUID();
  private readonly options: RestTransportOptions;
  private closed = false;

  constructor(options: RestTransportOptions) {
    this.options = options;
  }

  /** REST keeps no server-side session: opening only checks that the transport was not closed. */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(new ExopsError(ExopsErrorCode.EXO_SESSION_LOST, 'This session was closed.', { remedy: 'Connect again.' }));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The InvokeCommand URL for this session's tenant. */
  invokeCommandUrl(token: AccessToken): string {
    const organization = this.options.organization ?? token.tenantId;
    return `${this.options.baseUrl.replace(/\/$/, '')}/adminapi/beta/${encodeURIComponent(organization)}/InvokeCommand`;
  }

  invoke(invocation: CommandInvocation, initialToken: AccessToken): AsyncGenerator<CommandStreamEvent> {
    return this.stream(invocation, initialToken, undefined);
  }

  /**
   * Runs several commands in one `POST …/$batch` (reference §2.2, §2.8: at most 10, `Prefer: odata.continue-on-error`).
   * The batch request as a whole is retried like a page; each item's answer is read exactly as a single call's
   * (a task error becomes an error record, another non-2xx status its typed error). Results are in `items` order.
   */
  async invokeBatch(items: readonly CommandInvocation[], initialToken: AccessToken): Promise<BatchItemResult[]> {
    if (items.length === 0) return [];
    if (items.length > MAX_BATCH_REQUESTS) {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `A $batch takes at most ${MAX_BATCH_REQUESTS} commands; ${items.length} were given.`, {
        remedy: `Split the commands into groups of ${MAX_BATCH_REQUESTS} (ExoSession.invokeMany with batch: true does this).`,
      });
    }
    const signal = items.find((item) => item.signal !== undefined)?.signal;
    const requestId = randomUUID();
    const organization = this.options.organization ?? initialToken.tenantId;
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/adminapi/beta/${encodeURIComponent(organization)}/$batch`;
    const { response, token } = await this.send(url, BATCH_LABEL, signal, initialToken, (current) => ({
      headers: { ...this.connectionHeaders(current, requestId), prefer: 'odata.continue-on-error' },
      body: JSON.stringify({
        requests: items.map((item, index) => ({
          id: String(index),
          url: this.invokeCommandUrl(current),
          method: 'POST',
          body: JSON.parse(buildInvokeCommandBody(item.cmdlet, item.parameters)) as unknown,
          headers: this.commandHeaders(item.cmdlet, item.parameters, current),
        })),
      }),
    }));
    const answers = this.parseBatchResponse(response);
    const results: BatchItemResult[] = [];
    for (const [index, item] of items.entries()) {
      const events: CommandStreamEvent[] = [];
      const answer = answers.get(String(index));
      try {
        if (answer === undefined) {
          throw new ExopsError(ExopsErrorCode.EXO_SERVICE, `The service answered the $batch without an answer for request ${index} (${item.cmdlet}).`, {
            remedy: 'Run that command again on its own.',
          });
        }
        for await (const event of this.stream(item, token, answer)) events.push(event);
        results.push({ events });
      } catch (error) {
        results.push({ events, error: isExopsError(error) ? error : toExopsError(error) });
      }
    }
    return results;
  }

  /** The items of a `$batch` answer (`{"responses":[{id,status,headers,body}]}`) by id, each as the HTTP answer of its call. */
  private parseBatchResponse(response: HttpResponse): Map<string, HttpResponse> {
    const broken = (why: string): never => {
      throw new ExopsError(ExopsErrorCode.EXO_SERVICE, `The service answered the $batch with ${why} (HTTP ${response.status}).`, {
        remedy: 'A proxy or a broken server sent this answer: run `exo-doctor`, then run the commands without batch.',
      });
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(response.body).toString('utf8')) as unknown;
    } catch {
      return broken('a body that is not JSON');
    }
    const responses = (parsed as { responses?: unknown } | null)?.responses;
    if (!Array.isArray(responses)) return broken('no "responses" array');
    const answers = new Map<string, HttpResponse>();
    for (const raw of responses) {
      const item = (typeof raw === 'object' && raw !== null ? raw : {}) as { id?: unknown; status?: unknown; headers?: unknown; body?: unknown };
      if ((typeof item.id !== 'string' && typeof item.id !== 'number') || typeof item.status !== 'number') return broken('an item without an id and a status');
      const headers: Record<string, string> = {};
      if (typeof item.headers === 'object' && item.headers !== null) {
        for (const [k, v] of Object.entries(item.headers as Record<string, unknown>)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      }
      const body = item.body === undefined || item.body === null ? '' : typeof item.body === 'string' ? item.body : JSON.stringify(item.body);
      answers.set(String(item.id), { status: item.status, headers, body: Buffer.from(body, 'utf8'), url: response.url });
    }
    return answers;
  }

  /** The pages of one command; `first` is its first answer when it came in a `$batch`. */
  private async *stream(invocation: CommandInvocation, initialToken: AccessToken, first: HttpResponse | undefined): AsyncGenerator<CommandStreamEvent> {
    const { cmdlet, parameters, signal } = invocation;
    const body = buildInvokeCommandBody(cmdlet, parameters);
    const requestId = randomUUID();
    let token = initialToken;
    let url: string | undefined = this.invokeCommandUrl(token);
    let pages = 0;
    let received = 0;
    let given = first;
    const requested = new Set<string>();
    while (url !== undefined) {
      requested.add(url);
      if (signal?.aborted === true) throw abortError(signal);
      let response: HttpResponse;
      try {
        if (given !== undefined) {
          response = given;
          given = undefined;
          if (response.status < 200 || response.status >= 300) throw parseRestErrorResponse(response, cmdlet);
        } else {
          ({ response, token } = await this.send(url, cmdlet, signal, token, (current) => ({
            headers: { ...this.connectionHeaders(current, requestId), ...this.commandHeaders(cmdlet, parameters, current) },
            body,
          })));
        }
      } catch (error) {
        // Exchange's task errors (an identity not found, a validation failure) are non-terminating in PowerShell: RPS
        // delivers them on the error stream and completes the pipeline, the V3 module writes them with Write-Error.
        // The REST service answers them with a 4xx instead of a page: give them to the caller the same way.
        if (pages === 0 && isTaskError(error)) {
          yield { type: 'error', record: error.record };
          return;
        }
        if (pages > 0 && isExopsError(error) && error.code !== ExopsErrorCode.ABORTED) {
          throw new ExopsError(
            ExopsErrorCode.EXO_STREAM_INTERRUPTED,
            `${cmdlet} stopped after ${received} object(s) in ${pages} page(s): ${error.message}`,
            { cause: error, remedy: error.remedy ?? 'Run the command again; the objects already received are complete and in order.', details: { received, pages } },
          );
        }
        throw error;
      }
      pages += 1;
      const page = this.parsePage(response, cmdlet);
      const next = this.nextLinkOf(page, cmdlet, requested);
      for (const warning of page['@adminapi.warnings'] ?? []) {
        const text = String(warning);
        if (next !== undefined && text.includes(MORE_RESULTS_WARNING)) continue;
        yield { type: 'warning', message: text };
      }
      for (const value of this.pageValues(page, cmdlet)) {
        received += 1;
        yield { type: 'output', value };
      }
      for (const item of page['@adminapi.errors'] ?? []) {
        yield { type: 'error', record: parseServiceErrorRecord(typeof item === 'string' ? item : typeof item === 'object' && item !== null ? (item as { message?: unknown }) : String(item)) };
      }
      url = next;
    }
  }

  private parsePage(response: HttpResponse, cmdlet: string): InvokeCommandPage {
    const text = Buffer.from(response.body).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    } catch (cause) {
      throw new ExopsError(ExopsErrorCode.EXO_SERVICE, `The service answered ${cmdlet} with a body that is not JSON (HTTP ${response.status}).`, {
        cause,
        remedy: 'A proxy may have replaced the answer: run `exo-doctor`, then try again.',
      });
    }
    // The members are iterated below: a member of the wrong type would escape as a TypeError.
    for (const member of ['value', '@adminapi.warnings', '@adminapi.errors'] as const) {
      const value = (parsed as Record<string, unknown>)[member];
      if (value !== undefined && value !== null && !Array.isArray(value)) {
        throw new ExopsError(ExopsErrorCode.EXO_SERVICE, `The service answered ${cmdlet} with "${member}" that is not an array (HTTP ${response.status}).`, {
          remedy: 'A proxy or a broken server sent this answer: run `exo-doctor`, then try again.',
        });
      }
    }
    return parsed as InvokeCommandPage;
  }

  /**
   * The next page's URL, if any. The bearer token goes with it, so it must stay on the origin the session talks to;
   * a link already followed would loop for ever.
   */
  private nextLinkOf(page: InvokeCommandPage, cmdlet: string, requested: ReadonlySet<string>): string | undefined {
    const next: unknown = page['@odata.nextLink'];
    if (next === undefined || next === null) return undefined;
    const refuse = (why: string): never => {
      throw new ExopsError(ExopsErrorCode.EXO_SERVICE, `The service answered ${cmdlet} with an @odata.nextLink that ${why}.`, {
        remedy: 'The objects received so far are complete; a proxy or a broken server sent this link: run `exo-doctor` and report it.',
      });
    };
    if (typeof next !== 'string') return refuse('is not a string');
    let origin: string;
    try {
      origin = new URL(next).origin;
    } catch {
      return refuse('is not a URL');
    }
    if (origin !== new URL(this.options.baseUrl).origin) return refuse(`points to another host (${origin}); the access token is not sent there`);
    if (requested.has(next)) return refuse('repeats a page already read');
    return next;
  }

  private *pageValues(page: InvokeCommandPage, cmdlet: string): Generator<PSValue> {
    for (const item of page.value ?? []) {
      const clixml = typeof item === 'object' && item !== null ? ((item as Record<string, unknown>)['_clixml'] ?? (item as Record<string, unknown>)['_cliXml']) : undefined;
      if (typeof clixml === 'string') {
        try {
          yield* parseClixmlDocument(clixml);
        } catch (cause) {
          throw new ExopsError(ExopsErrorCode.EXO_SERVICE, `The CLIXML in the answer to ${cmdlet} could not be read.`, { cause, remedy: 'Run again with --transport rest and --response-format json to compare, and report it.' });
        }
      } else yield jsonToPSValue(item);
    }
  }

  /** Headers every request of this connection carries; `client-request-id` is shared by a command's pages or a batch. */
  private connectionHeaders(token: AccessToken, requestId: string): Record<string, string> {
    return {
      authorization: buildBearerAuthorizationHeader(token),
      accept: 'application/json',
      'accept-charset': 'UTF-8',
      'content-type': 'application/json',
      'client-request-id': requestId,
      'connection-id': this.connectionId,
      'x-responseformat': this.options.responseFormat ?? 'clixml',
      'x-serializationlevel': 'Partial',
      'accept-language': 'en-US',
      'x-clientmoduleversion': CLIENT_VERSION,
      'x-clientapplication': 'exops',
    };
  }

  /** Headers of one InvokeCommand call: on its own request, or in its `$batch` item. */
  private commandHeaders(cmdlet: string, parameters: CommandInvocation['parameters'], token: AccessToken): Record<string, string> {
    const hint = buildRoutingHint(token, parameters, this.options.organization ?? token.tenantId);
    return {
      'x-cmdletname': cmdlet,
      prefer: `odata.maxpagesize=${this.options.pageSize ?? 1000}`,
      'x-anchormailbox': hint.anchorMailbox,
      ...(hint.parameterBased ? { 'parameter-based-routing': 'true' } : {}),
    };
  }

  /**
   * POSTs one request with the module's retry rules (reference §2.8): 429 after Retry-After, 503/504 and transient
   * service errors with backoff, one token renewal on a 401 claims challenge. `build` makes the request for a token.
   */
  private async send(
    url: string,
    label: string,
    signal: AbortSignal | undefined,
    initialToken: AccessToken,
    build: (token: AccessToken) => { headers: Record<string, string>; body: string },
  ): Promise<{ response: HttpResponse; token: AccessToken }> {
    const policy = this.options.retry ?? DEFAULT_RETRY_POLICY;
    let token = initialToken;
    let renewedForClaims = false;
    for (let attempt = 0; ; attempt += 1) {
      const { headers, body } = build(token);
      this.options.onRequest?.(url);
      let response: HttpResponse | undefined;
      let failure: unknown;
      try {
        response = await this.options.http.request({ method: 'POST', url, headers, body, ...(signal === undefined ? {} : { signal }), readTimeoutMs: 960_000 });
      } catch (error) {
        if (isExopsError(error) && error.code === ExopsErrorCode.ABORTED) throw error;
        if (signal?.aborted === true) throw abortError(signal);
        failure = error;
      }
      if (response !== undefined && response.status >= 200 && response.status < 300) return { response, token };
      if (response !== undefined && response.status === 401 && !renewedForClaims) {
        renewedForClaims = true;
        token = await this.options.renewToken(parseClaimsChallenge(headerValue(response.headers, 'www-authenticate')));
        continue;
      }
      const retryable =
        failure !== undefined
          ? isExopsError(failure) && (failure.code === ExopsErrorCode.NETWORK || failure.code === ExopsErrorCode.HTTP_TIMEOUT)
          : response !== undefined && (isRetryableStatus(response.status) || (response.status >= 500 && isTransientServiceError(Buffer.from(response.body).toString('utf8'))));
      if (!retryable || attempt >= policy.maxRetries) {
        if (response !== undefined) {
          const error = parseRestErrorResponse(response, label);
          if (retryable) {
            throw new ExoCommandError(error.code, { ...error.record, message: `${error.record.message} (Maximum retry count reached: ${attempt + 1} tries.)` }, {
              status: response.status,
              ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
              ...(error.remedy === undefined ? {} : { remedy: error.remedy }),
            });
          }
          throw error;
        }
        throw failure;
      }
      const delayMs = retryDelayMs(policy, attempt + 1, response === undefined ? undefined : headerValue(response.headers, 'retry-after'), this.options.random);
      this.options.onRetry?.({
        attempt: attempt + 1,
        delayMs,
        status: response?.status,
        reason: response === undefined ? (failure instanceof Error ? failure.message : String(failure)) : `HTTP ${response.status}`,
      });
      await sleep(delayMs, signal);
    }
  }
}
