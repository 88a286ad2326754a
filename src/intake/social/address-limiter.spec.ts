import { FailureLimiter } from './failure-limiter';

describe('FailureLimiter', () => {
  it('blocks an address after `limit` failures within the window, and only that address', () => {
    const l = new FailureLimiter(3, 60_000);
    for (let i = 0; i < 2; i++) l.recordFailure('a', 1000);
    expect(l.isBlocked('a', 1000)).toBe(false);
    l.recordFailure('a', 1000);
    expect(l.isBlocked('a', 1000)).toBe(true);
    expect(l.isBlocked('b', 1000)).toBe(false);
  });
  it('lets the address in again when the window ends', () => {
    const l = new FailureLimiter(1, 60_000);
    l.recordFailure('a', 0);
    expect(l.isBlocked('a', 59_999)).toBe(true);
    expect(l.isBlocked('a', 60_000)).toBe(false);
    l.recordFailure('a', 60_000);
    expect(l.isBlocked('a', 60_001)).toBe(true);
  });
  it('keeps its memory bounded', () => {
    const l = new FailureLimiter(1, 60_000, 10);
    for (let i = 0; i < 100; i++) l.recordFailure(`k${i}`, 0);
    expect(l.isBlocked('k99', 1)).toBe(true);
    expect(l.isBlocked('k0', 1)).toBe(false);
  });
});
