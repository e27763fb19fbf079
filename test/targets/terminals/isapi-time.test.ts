import { describe, expect, it } from 'vitest';
import {
  instantOfLocalTime,
  offsetOfIsapiTime,
  offsetOfPosixZone,
  posixZoneOf,
  toIsapiTime,
} from '../../../src/targets/terminals/protocol/isapi-time';

describe('ISAPI times and zones', () => {
  it('should read the offset of a time written with one, and none from a Valid time (§2.4)', () => {
    expect(offsetOfIsapiTime('2026-12-02T01:02:03-05:00')).toBe(-300);
    expect(offsetOfIsapiTime('2026-12-02T15:02:03+09:00')).toBe(540);
    expect(offsetOfIsapiTime('2026-12-02T11:32:03+0530')).toBe(330);
    expect(offsetOfIsapiTime('2026-12-02T06:02:03Z')).toBe(0);
    expect(offsetOfIsapiTime('2026-12-02T06:02:03')).toBeNull();
    expect(offsetOfIsapiTime('2026-12-02T06:02:03+15:00')).toBeNull();
    expect(offsetOfIsapiTime('yesterday')).toBeNull();
  });

  it('should invert the sign of a POSIX-style timeZone: CST+5:00:00 is UTC−5, CST-9:00:00 UTC+9', () => {
    expect(offsetOfPosixZone('CST+5:00:00')).toBe(-300);
    expect(offsetOfPosixZone('CST-9:00:00')).toBe(540);
    expect(offsetOfPosixZone('CST-5:30:00')).toBe(330);
    expect(offsetOfPosixZone('EST5EDT,M3.2.0,M11.1.0')).toBe(-300);
    expect(offsetOfPosixZone('<+09>-9')).toBe(540);
    expect(offsetOfPosixZone('5:00')).toBeNull();
    for (const minutes of [-300, 540, 330, 0, -720, 840])
      expect(offsetOfPosixZone(posixZoneOf(minutes)), String(minutes)).toBe(minutes);
  });

  it('should name the instant a wall-clock time means at a given offset, the inverse of writing it', () => {
    expect(instantOfLocalTime('2026-12-01T19:30:00', -300)?.toISOString()).toBe('2026-12-02T00:30:00.000Z');
    expect(instantOfLocalTime('2026-12-02T20:00:00', 540)?.toISOString()).toBe('2026-12-02T11:00:00.000Z');
    expect(instantOfLocalTime('2026-12-02T20:00:00+09:00', 540)).toBeNull();
    const at = new Date('2026-12-02T00:30:00Z');
    expect(instantOfLocalTime(toIsapiTime(at, -300).slice(0, 19), -300)).toEqual(at);
  });
});
