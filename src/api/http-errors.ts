export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
export const notFound = (what: string): HttpError => new HttpError(404, `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(409, message, details);
export const badRequest = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(400, message, details);
