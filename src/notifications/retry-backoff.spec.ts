import { retryDelayMs } from './retry-backoff';

describe('retryDelayMs', () => {
  const opts = { baseMs: 1000, maxMs: 60_000 };
  const noJitter = () => 0.5; // factor 1.0

  it('doubles from the base on each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, opts, noJitter))).toEqual([
      1000, 2000, 4000, 8000, 16000,
    ]);
  });

  it('never exceeds the maximum, even with jitter and huge attempt counts', () => {
    expect(retryDelayMs(7, opts, noJitter)).toBe(60_000);
    expect(retryDelayMs(10_000, opts, () => 1)).toBe(60_000);
  });

  it('jitters within ±20 %', () => {
    expect(retryDelayMs(2, opts, () => 0)).toBe(1600);
    expect(retryDelayMs(2, opts, () => 0.999999)).toBe(2400);
  });

  it('treats 0 or negative attempts as the first', () => {
    expect(retryDelayMs(0, opts, noJitter)).toBe(1000);
    expect(retryDelayMs(-3, opts, noJitter)).toBe(1000);
  });
});
