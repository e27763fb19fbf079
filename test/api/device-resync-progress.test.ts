import { describe, expect, it } from 'vitest';
import { withLiveCursor } from '../../src/api/routes/devices/views';
import type { DeviceResyncProgress } from '../../src/contracts';

const progress = (over: Partial<DeviceResyncProgress> = {}): DeviceResyncProgress => ({
  deviceId: 'door-1',
  reason: 'manual',
  runKey: 'device-full-resync:door-1/run-1',
  state: 'running',
  total: 0,
  sent: 0,
  percent: 0,
  counts: { batches: 0, applied: 0, partial: 0 },
  busyPauses: 0,
  pausedUntil: null,
  ...over,
});

describe('GET /api/devices/:id/sync resync progress (withLiveCursor)', () => {
  it('given a first push still running, should show the cursor row the push flushes', () => {
    const p = withLiveCursor(progress(), { runKey: 'device-full-resync:door-1/run-1', total: 10_000, sent: 2_500 });
    expect(p).toMatchObject({ total: 10_000, sent: 2_500, percent: 25 });
  });

  it('given a workflow ahead of the row, should keep the workflow figures', () => {
    const p = withLiveCursor(progress({ total: 10, sent: 8, percent: 80 }), { runKey: 'device-full-resync:door-1/run-1', total: 10, sent: 6 });
    expect(p).toMatchObject({ total: 10, sent: 8, percent: 80 });
  });

  it("given the row of another run, should not mix it in", () => {
    const p = withLiveCursor(progress(), { runKey: 'device-full-resync:door-1/run-0', total: 10, sent: 10 });
    expect(p).toMatchObject({ total: 0, sent: 0, percent: 0 });
    expect(withLiveCursor(null, { runKey: 'x', total: 1, sent: 1 })).toBeNull();
  });
});
