/** Test helpers over the pypsrp recordings: which exchanges carry PSRP, and their blobs as bytes. */
import { extractPsrpBlobs, loadPypsrpRecording, type PsrpBlob } from '@exops/test-vectors';

const RESOURCE_URI = /<(?:[\w-]+:)?ResourceURI\b[^>]*>([^<]*)<\/(?:[\w-]+:)?ResourceURI>/;

/** True when the request targets a PowerShell endpoint (not a WinRS cmd shell, whose streams carry raw bytes). */
export function isPsrpRequest(request: string): boolean {
  const uri = RESOURCE_URI.exec(request)?.[1] ?? '';
  return uri.startsWith('http://schemas.microsoft.com/powershell/');
}

export interface ExchangeBlobs {
  readonly index: number;
  readonly request: readonly (PsrpBlob & { readonly bytes: Uint8Array })[];
  readonly response: readonly (PsrpBlob & { readonly bytes: Uint8Array })[];
  readonly action: string;
}

const ACTION = /<(?:[\w-]+:)?Action\b[^>]*>([^<]*)<\/(?:[\w-]+:)?Action>/;

/** The PSRP blobs of every PSRP exchange of a recording. */
export function psrpExchanges(name: string): ExchangeBlobs[] {
  const out: ExchangeBlobs[] = [];
  loadPypsrpRecording(name).exchanges.forEach((e, index) => {
    if (!isPsrpRequest(e.request)) return;
    const withBytes = (b: PsrpBlob): PsrpBlob & { bytes: Uint8Array } => ({ ...b, bytes: new Uint8Array(Buffer.from(b.base64, 'base64')) });
    const action = (ACTION.exec(e.request)?.[1] ?? '').split('/').pop() ?? '';
    out.push({ index, request: extractPsrpBlobs(e.request).map(withBytes), response: extractPsrpBlobs(e.response).map(withBytes), action });
  });
  return out;
}
