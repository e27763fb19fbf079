import { describe, expect, it } from 'vitest';
import { validityWindow } from '../../src/db/repositories/terminals/terminal-users';
import { instantOfLocalTime } from '../../src/targets/terminals/protocol/isapi-time';

/**
 * `Valid` times are the terminal's wall clock (§2.4): the window must open, at the latest, when the person was
 * registered, read in the terminal's own zone.
 */
describe('validityWindow', () => {
  const opensBy = (w: { beginTime: string }, offset: number, registeredAt: Date) =>
    instantOfLocalTime(w.beginTime, offset)! <= registeredAt;

  it('given a terminal at UTC−5 and a registration at 19:30 there (00:30 UTC the next day), should start that local day', () => {
    const registeredAt = new Date('2026-12-02T00:30:00Z');
    const w = validityWindow(registeredAt, { validityDays: 365, utcOffsetMinutes: -300 });
    expect(w).toEqual({ beginTime: '2026-12-01T00:00:00', endTime: '2027-12-01T23:59:59' });
    expect(opensBy(w, -300, registeredAt)).toBe(true);
  });

  it('given a terminal at UTC+9 and a registration at 20:00 there, should start that local day', () => {
    const registeredAt = new Date('2026-12-02T11:00:00Z');
    const w = validityWindow(registeredAt, { validityDays: 365, utcOffsetMinutes: 540 });
    expect(w).toEqual({ beginTime: '2026-12-02T00:00:00', endTime: '2027-12-02T23:59:59' });
    expect(opensBy(w, 540, registeredAt)).toBe(true);
  });

  it('given a terminal at UTC+9 and a registration at 07:30 there (22:30 UTC the day before), should use the local day, not the UTC one', () => {
    const registeredAt = new Date('2026-12-02T22:30:00Z');
    expect(validityWindow(registeredAt, { validityDays: 30, utcOffsetMinutes: 540 })).toEqual({
      beginTime: '2026-12-03T00:00:00',
      endTime: '2027-01-02T23:59:59',
    });
  });

  it("given the terminal's zone unknown, should make a window that is open at registration in every zone", () => {
    const registeredAt = new Date('2026-12-02T00:30:00Z');
    const w = validityWindow(registeredAt, { validityDays: 10, utcOffsetMinutes: null });
    for (let offset = -12 * 60; offset <= 14 * 60; offset += 30) {
      expect(opensBy(w, offset, registeredAt), String(offset)).toBe(true);
      const wanted = validityWindow(registeredAt, { validityDays: 10, utcOffsetMinutes: offset });
      expect(
        instantOfLocalTime(w.endTime, offset)! >= instantOfLocalTime(wanted.endTime, offset)!,
        String(offset),
      ).toBe(true);
    }
  });
});
