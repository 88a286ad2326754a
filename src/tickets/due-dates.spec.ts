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
