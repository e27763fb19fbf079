import { randomBytes } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { ResponseStatus } from './response-status';

/** Body helpers for the three shapes ISAPI speaks: JSON (`?format=json`), XML, and multipart/form-data (§2.3, §2.5). */

// Values stay text (serial numbers, employeeNos with leading zeros); namespaces (`xmlns=isapi.org/ver20`) dropped.
const xmlParser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
});
const xmlBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

export const ISAPI_XMLNS = 'http://www.isapi.org/ver20/XMLSchema';

export function parseXml(body: Buffer | string): Record<string, unknown> | undefined {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (!text.trimStart().startsWith('<')) return undefined;
  try {
    const parsed: unknown = xmlParser.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `<Root version="2.0" xmlns="…isapi.org/ver20…">…</Root>`, the envelope of every ISAPI XML body (§2.2, §2.3). */
export function buildXml(root: string, fields: Record<string, unknown>): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    xmlBuilder.build({ [root]: { '@_version': '2.0', '@_xmlns': ISAPI_XMLNS, ...fields } })
  );
}

export function parseJson(body: Buffer | string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const optString = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

function toStatus(o: Record<string, unknown>): ResponseStatus | undefined {
  const code = Number(o.statusCode);
  if (o.statusCode === undefined || o.statusCode === '' || !Number.isFinite(code)) return undefined;
  const errorCode = o.errorCode === undefined ? undefined : Number(o.errorCode);
  return {
    statusCode: code,
    ...(optString(o.requestURL) !== undefined && { requestURL: optString(o.requestURL) }),
    ...(optString(o.statusString) !== undefined && { statusString: optString(o.statusString) }),
    ...(optString(o.subStatusCode) !== undefined && { subStatusCode: optString(o.subStatusCode) }),
    ...(errorCode !== undefined && Number.isFinite(errorCode) && { errorCode }),
    ...(optString(o.errorMsg) !== undefined && { errorMsg: optString(o.errorMsg) }),
  };
}

/**
 * ResponseStatus from a JSON body (top-level `statusCode`, possibly next to data as in FDSearch) or an XML
 * `<ResponseStatus>` (§2.2). `undefined` for data answers without one.
 */
export function extractResponseStatus(body: Buffer): ResponseStatus | undefined {
  const xml = parseXml(body);
  if (xml !== undefined) {
    const rs = asRecord(xml.ResponseStatus);
    return rs === undefined ? undefined : toStatus(rs);
  }
  const json = asRecord(parseJson(body));
  if (json === undefined) return undefined;
  return toStatus(asRecord(json.ResponseStatus) ?? json);
}

/**
 * The 401 body (`<userCheck>`, §2.1). `lockStatus`/`unlockTime` are what locked terminals add; the reference
 * only names "illegal login lock", so both fields are read when present and never required.
 */
export function parseUserCheck(body: Buffer): { locked: boolean; unlockInSeconds?: number } | undefined {
  const xml = parseXml(body);
  const check = asRecord(xml?.userCheck);
  if (check === undefined) return undefined;
  const unlock = Number(check.unlockTime);
  return {
    locked: String(check.lockStatus ?? '').toLowerCase() === 'lock',
    ...(Number.isFinite(unlock) && check.unlockTime !== undefined && { unlockInSeconds: unlock }),
  };
}

export interface MultipartPart {
  name: string;
  filename?: string;
  /** Omitted from the part headers when undefined (seed 002's FDSetUp part has none). */
  contentType?: string;
  data: Buffer | string;
}

/**
 * A hand-built multipart/form-data body with an explicit Content-Length, as the working clients do (§2.5):
 * `--B CRLF headers CRLF CRLF data CRLF … --B-- CRLF`.
 */
export function buildMultipart(parts: MultipartPart[], boundary = `----gatesync${randomBytes(12).toString('hex')}`) {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'));
    chunks.push(typeof part.data === 'string' ? Buffer.from(part.data, 'utf8') : part.data);
    chunks.push(Buffer.from('\r\n', 'utf8'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
