import type { Terminal } from '../../../db/entities';

/** A terminal as the API shows it: never its password, only whether a CA is pinned. */
export function terminalView(t: Terminal) {
  const caps = t.capabilities;
  return {
    id: t.id,
    name: t.name,
    host: t.host,
    port: t.port,
    scheme: t.scheme,
    username: t.username,
    hasCa: t.caPem !== null && t.caPem !== undefined,
    insecureTls: t.insecureTls,
    careers: t.careers,
    model: t.model ?? null,
    firmware: t.firmware ?? null,
    serialNumber: t.serialNumber ?? null,
    capabilities:
      caps === null || caps === undefined
        ? null
        : {
            maxUsers: caps.maxUsers ?? null,
            employeeNoMaxLength: caps.employeeNoMaxLength ?? null,
            maxFaces: caps.maxFaces ?? null,
            faceUpload: caps.faceUpload.binary === true,
            faceCapture: caps.faceUpload.captureAndBind === true,
            faceUrl: caps.faceUpload.url === true,
            maxPictureBytes: caps.faceUpload.maxPictureBytes ?? null,
          },
    utcOffsetMinutes: t.utcOffsetMinutes ?? null,
    online: t.online,
    lastContactAt: t.lastContactAt?.toISOString() ?? null,
    lastError: t.lastError ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}
