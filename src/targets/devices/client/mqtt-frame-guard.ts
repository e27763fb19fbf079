/**
 * Reads MQTT fixed headers off a byte stream (MQTT 3.1.1 §2.2: one type byte, then the Remaining Length as a
 * 1–4 byte varint) and reports the first packet that announces more than `maxBytes`. aedes' parser would
 * otherwise buffer a packet of up to 256 MiB before anyone sees it; this lets the broker drop the connection
 * as soon as the header arrives.
 */
export class MqttFrameGuard {
  /** Bytes of the current packet body still to skip. */
  private remaining = 0;
  /** 0: expecting a type byte; 1…4: reading length byte n. */
  private lengthByte = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes: number) {}

  /** `undefined` while the stream is fine; otherwise why it is not (and the guard stays failed). */
  feed(chunk: Buffer): string | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, chunk.length - i);
        this.remaining -= skip;
        i += skip;
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.lengthByte === 0) {
        this.lengthByte = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (byte & 0x80) {
        this.lengthByte += 1;
        if (this.lengthByte > 4) return 'malformed remaining length';
        continue;
      }
      if (this.length > this.maxBytes) return `packet of ${this.length} bytes exceeds ${this.maxBytes}`;
      this.remaining = this.length;
      this.lengthByte = 0;
    }
    return undefined;
  }
}
