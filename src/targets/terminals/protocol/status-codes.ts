/** ResponseStatus `statusCode` values (reference §2.2, the statusCode table). */
export const IsapiStatusCode = {
  ok: 1,
  deviceBusy: 2,
  deviceError: 3,
  invalidOperation: 4,
  invalidFormat: 5,
  invalidContent: 6,
  rebootRequired: 7,
} as const;
export type IsapiStatusCode = (typeof IsapiStatusCode)[keyof typeof IsapiStatusCode];
