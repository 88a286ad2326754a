import { computeDueDates } from './due-dates';

describe('computeDueDates', () => {
  it('adds the category targets in days', () => {
    const created = new Date('2026-12-30T18:00:00Z');
    const due = computeDueDates(created, { firstResponseDays: 5, resolutionDays: 40 });
    expect(due.firstResponseDueAt?.toISOString()).toBe('2027-01-04T18:00:00.000Z');
    expect(due.resolutionDueAt?.toISOString()).toBe('2027-02-08T18:00:00.000Z');
  });
  it('has no due dates without a category', () => {
    expect(computeDueDates(new Date(), null)).toEqual({ firstResponseDueAt: null, resolutionDueAt: null });
  });
});

describe('computeDueDates across month and year ends', () => {
  const targets = { firstResponseDays: 5, resolutionDays: 40 };
  it.each([
    // created (UTC)               first response              resolution
    ['2026-01-29T15:00:00.000Z', '2026-02-03T15:00:00.000Z', '2026-03-10T15:00:00.000Z'], // through a 28-day February
    ['2028-02-27T15:00:00.000Z', '2028-03-03T15:00:00.000Z', '2028-04-07T15:00:00.000Z'], // leap year: 29 February counts
    ['2026-12-31T23:30:00.000Z', '2027-01-05T23:30:00.000Z', '2027-02-09T23:30:00.000Z'], // year end
    ['2026-11-30T05:59:00.000Z', '2026-12-05T05:59:00.000Z', '2027-01-09T05:59:00.000Z'], // 23:59 local on 29 Nov → into next year
    ['2026-04-30T12:00:00.000Z', '2026-05-05T12:00:00.000Z', '2026-06-09T12:00:00.000Z'], // 30-day month
  ])('created %s → first response %s, resolution %s', (created, first, resolution) => {
    const due = computeDueDates(new Date(created), targets);
    expect(due.firstResponseDueAt?.toISOString()).toBe(first);
    expect(due.resolutionDueAt?.toISOString()).toBe(resolution);
  });

  it('uses the targets of the category (1 day accept-style target)', () => {
    const due = computeDueDates(new Date('2026-02-28T20:00:00.000Z'), { firstResponseDays: 1, resolutionDays: 3 });
    expect(due.firstResponseDueAt?.toISOString()).toBe('2026-03-01T20:00:00.000Z');
    expect(due.resolutionDueAt?.toISOString()).toBe('2026-03-03T20:00:00.000Z');
  });
});
