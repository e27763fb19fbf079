/**
 * The terminal's multipart/form-data reader (reference §2.5). Deliberately strict about the framing — CRLF
 * after each delimiter, a blank line after the part headers — because real terminals answer a malformed body
 * with `badJsonFormat`/`badJsonContent` (§2.5) rather than guessing.
 */

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** `undefined` when the body is not a well-formed multipart body for `boundary`. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts;
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') return undefined;
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    if (headerEnd < 0) return undefined;
    const headers = body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const dataStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), dataStart);
    if (next < 0) return undefined;

    let name: string | undefined;
    let filename: string | undefined;
    let contentType: string | undefined;
    for (const line of headers) {
      const [key = '', ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (key.trim().toLowerCase() === 'content-disposition') {
        name = /\bname="([^"]*)"/i.exec(value)?.[1];
        filename = /\bfilename="([^"]*)"/i.exec(value)?.[1];
      } else if (key.trim().toLowerCase() === 'content-type') {
        contentType = value;
      }
    }
    if (name === undefined) return undefined;
    parts.push({
      name,
      ...(filename !== undefined && { filename }),
      ...(contentType !== undefined && { contentType }),
      data: body.subarray(dataStart, next),
    });
    pos = next + 2;
  }
}
