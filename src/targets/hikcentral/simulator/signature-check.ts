import type http from 'node:http';
import { buildStringToSign, sign, signaturesEqual } from '../protocol/artemis-signer';
import { keyedRecord } from '../../../own-key';

export interface GatewayCredentials {
  appKey: string;
  appSecret: string;
  /** Also accept the Alibaba-style string-to-sign with empty lines for absent headers (§1.3 "Pitfall"). */
  tolerateEmptyLineSignature?: boolean;
}

export type AuthResult = { ok: true } | { ok: false; code: string; message: string };

function flatHeaders(req: http.IncomingMessage): Record<string, string> {
  const out = keyedRecord<string>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/**
 * The gateway rebuilds the string-to-sign from the `x-ca-signature-headers` list it receives, in the order
 * given, so clients that sign fewer headers (only x-ca-key, or none) still pass (§1.3 [obs]).
 */
export function authenticate(
  credentials: GatewayCredentials,
  req: http.IncomingMessage,
  pathname: string,
  query: URLSearchParams,
): AuthResult {
  const headers = flatHeaders(req);
  const key = headers['x-ca-key'];
  const signature = headers['x-ca-signature'];
  // Codes from the gateway family of the guide's appendix (§1.7).
  if (key === undefined) return { ok: false, code: '0x02401000', message: 'AppKey is missing' };
  if (key !== credentials.appKey) return { ok: false, code: '0x02401001', message: 'partner (AppKey) does not exist' };
  if (signature === undefined) return { ok: false, code: '0x02401002', message: 'signature is missing' };
  const signedHeaderNames = (headers['x-ca-signature-headers'] ?? '').split(',').filter((n) => n.trim() !== '');
  const input = { method: req.method ?? 'POST', path: pathname, query, headers, signedHeaderNames };
  const expected = buildStringToSign(input);
  if (signaturesEqual(sign(credentials.appSecret, expected), signature)) return { ok: true };
  if (credentials.tolerateEmptyLineSignature) {
    const variant = buildStringToSign({ ...input, emptyLineForAbsentHeaders: true });
    if (signaturesEqual(sign(credentials.appSecret, variant), signature)) return { ok: true };
  }
  // Like the Alibaba-lineage gateway, show the server's string-to-sign (newlines as '#') to ease debugging.
  return {
    ok: false,
    code: '0x02401003',
    message: `Invalid Signature, Server StringToSign:${expected.replace(/\n/g, '#')}`,
  };
}
