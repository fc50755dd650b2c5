import http from 'node:http';

/** What a headless browser sees of an authorize URL. */
export interface AuthorizeUrl {
  readonly url: URL;
  readonly redirectUri: URL;
  readonly state: string;
}

export function parseAuthorizeUrl(address: string): AuthorizeUrl {
  const url = new URL(address);
  const redirect = url.searchParams.get('redirect_uri');
  const state = url.searchParams.get('state');
  if (redirect === null || state === null) throw new Error(`not an authorize URL: ${address}`);
  return { url, redirectUri: new URL(redirect), state };
}

/**
 * Plays Entra ID's side of the browser: posts the authorization response (form_post) to MSAL's loopback listener,
 * as the sign-in page does after the user signed in.
 */
export function postAuthorizationResponse(address: string, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const { redirectUri, state } = parseAuthorizeUrl(address);
  const body = new URLSearchParams({ state, ...fields }).toString();
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: Number(redirectUri.port),
        path: '/',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A client_info value as Entra ID returns it with the code. */
export function buildClientInfo(uid: string, utid: string): string {
  return Buffer.from(JSON.stringify({ uid, utid }), 'utf8').toString('base64url');
}
