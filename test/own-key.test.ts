import { describe, expect, it } from 'vitest';
import { keyedRecord, ownValue } from '../src/own-key';
import { parseAuthParams } from '../src/targets/terminals/protocol/digest-auth';
import { SimulatorState } from '../src/targets/hikcentral/simulator/state';

describe('records keyed by outside input', () => {
  it('ownValue should see only own properties', () => {
    const r: Record<string, number> = { a: 1 };
    expect(ownValue(r, 'a')).toBe(1);
    for (const k of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(ownValue(r, k)).toBeUndefined();
  });

  it('keyedRecord should take __proto__ as a key like any other', () => {
    const r = keyedRecord<string>();
    r['__proto__'] = 'x';
    expect(Object.keys(r)).toEqual(['__proto__']);
    expect(r['constructor']).toBeUndefined();
  });

  it('given a Digest challenge with __proto__ and constructor parameters, should keep them as parameters', () => {
    const p = parseAuthParams('Digest realm="r", __proto__="x", constructor="y", nonce="n"');
    expect(Object.entries(p)).toEqual([
      ['realm', 'r'],
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['nonce', 'n'],
    ]);
  });

  it('given a HikCentral request for personCode __proto__, the simulator should count it without touching Object.prototype', () => {
    const state = new SimulatorState([], []);
    state.countPerson('__proto__', 'lookup');
    state.countPath('constructor', 'received');
    expect(({} as Record<string, unknown>).lookup).toBeUndefined();
    expect(state.counters.byPersonCode['__proto__']?.lookup).toBe(1);
    expect(state.counters.byPath['constructor']).toEqual({ received: 1, succeeded: 0 });
  });
});
