import sharp from 'sharp';

/**
 * The terminal's face-capture mode (seed 002 step 2; reference §2.3 CaptureFaceData). The first POST puts the
 * terminal into capture mode; each POST then blocks up to `holdMs` (real terminals: up to ~20 s) and answers
 * progress 0 if nobody has shown a face yet, or 100 with the picture once someone has. A face shown while the
 * terminal is not capturing is ignored, as on a real terminal.
 */

export interface CaptureOptions {
  /** A face "appears" this long after capture mode starts; `null` = only on `present()`. Seed 002: 5–10 s. */
  presentAfterMs: number | null;
  /** How long one POST waits for a face before answering progress 0 (§2.3 "requests block up to ~20 s"). */
  holdMs: number;
}

export type CapturePoll = { progress: 0 } | { progress: 100; jpeg: Buffer };

/** A portrait JPEG of the size seen from terminals (352×432, §2.3): a skin-toned oval on a grey wall. */
export async function defaultCaptureJpeg(seed = 0): Promise<Buffer> {
  const hue = 20 + (seed % 10);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="352" height="432">` +
    `<rect width="352" height="432" fill="#8a8f96"/>` +
    `<ellipse cx="176" cy="200" rx="95" ry="125" fill="hsl(${hue},45%,65%)"/>` +
    `<ellipse cx="140" cy="180" rx="12" ry="7" fill="#333"/><ellipse cx="212" cy="180" rx="12" ry="7" fill="#333"/>` +
    `<rect x="150" y="255" width="52" height="8" rx="4" fill="#8a4040"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

export class CaptureStation {
  private active = false;
  private captured: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<() => void>();
  private captures = 0;

  constructor(
    public options: CaptureOptions,
    private readonly image: () => Promise<Buffer>,
  ) {}

  get isCapturing(): boolean {
    return this.active;
  }

  /** One CaptureFaceData POST. `signal` ends the wait early (client gone, server closing). */
  async poll(signal: AbortSignal): Promise<CapturePoll> {
    if (!this.active) this.start();
    if (this.captured === undefined && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(hold);
          signal.removeEventListener('abort', done);
          this.waiters.delete(done);
          resolve();
        };
        const hold = setTimeout(done, this.options.holdMs);
        signal.addEventListener('abort', done, { once: true });
        this.waiters.add(done);
      });
    }
    // A face shown while nobody is listening stays for the next POST.
    if (this.captured === undefined || signal.aborted) return { progress: 0 };
    const jpeg = this.captured;
    this.stop();
    return { progress: 100, jpeg };
  }

  /** A person shows a face (test trigger). `false` when the terminal is not in capture mode. */
  async present(jpeg?: Buffer): Promise<boolean> {
    if (!this.active) return false;
    const picture = jpeg ?? (await this.image());
    if (!this.active) return false;
    this.captured = picture;
    for (const wake of [...this.waiters]) wake();
    return true;
  }

  /** Leaves capture mode (a cancelled enrolment, a reset, the server closing). */
  stop(): void {
    this.active = false;
    this.captured = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of [...this.waiters]) wake();
  }

  private start(): void {
    this.active = true;
    this.captured = undefined;
    this.captures += 1;
    const delay = this.options.presentAfterMs;
    if (delay !== null) {
      const session = this.captures;
      this.timer = setTimeout(() => {
        if (this.active && this.captures === session) void this.present();
      }, delay);
    }
  }
}
