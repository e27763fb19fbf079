import type { Response } from 'express';

export function sendPhoto(res: Response, photo: { data: Buffer; format: string }): void {
  res.type(photo.format === 'png' ? 'image/png' : photo.format === 'webp' ? 'image/webp' : 'image/jpeg').send(photo.data);
}
