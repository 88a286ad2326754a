import { AddressLimiter } from './address-limiter';

describe('AddressLimiter', () => {
  it('blocks an address after `limit` failures within the window, and only that address', () => {
    const l = new AddressLimiter(3, 60_000);
    for (let i = 0; i < 2; i++) l.record('a', 1000);
    expect(l.isBlocked('a', 1000)).toBe(false);
    l.record('a', 1000);
    expect(l.isBlocked('a', 1000)).toBe(true);
    expect(l.isBlocked('b', 1000)).toBe(false);
  });
  it('lets the address in again when the window ends', () => {
    const l = new AddressLimiter(1, 60_000);
    l.record('a', 0);
    expect(l.isBlocked('a', 59_999)).toBe(true);
    expect(l.isBlocked('a', 60_000)).toBe(false);
    l.record('a', 60_000);
    expect(l.isBlocked('a', 60_001)).toBe(true);
  });
  it('keeps its memory bounded', () => {
    const l = new AddressLimiter(1, 60_000, 10);
    for (let i = 0; i < 100; i++) l.record(`k${i}`, 0);
    expect(l.isBlocked('k99', 1)).toBe(true);
    expect(l.isBlocked('k0', 1)).toBe(false);
  });
  it('tryRecord counts until the limit and then refuses, with the seconds left in the window', () => {
    const l = new AddressLimiter(2, 60_000);
    expect([l.tryRecord('a', 0), l.tryRecord('a', 1), l.tryRecord('a', 2)]).toEqual([true, true, false]);
    expect(l.retryAfterSeconds('a', 30_000)).toBe(30);
    expect(l.tryRecord('a', 60_000)).toBe(true);
  });
});
