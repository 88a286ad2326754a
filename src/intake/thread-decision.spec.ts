import { TICKET_STATUSES } from '../tickets/ticket-status';
import { decideThreading } from './thread-decision';

describe('decideThreading', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

  it.each(TICKET_STATUSES.filter((s) => !['waiting_citizen', 'resolved', 'closed'].includes(s)))(
    'appends to a %s ticket without moving it',
    (status) => expect(decideThreading(status, null, now, 30)).toBe('append'),
  );
  it('resumes waiting_citizen and resolved tickets', () => {
    expect(decideThreading('waiting_citizen', null, now, 30)).toBe('resume');
    expect(decideThreading('resolved', null, now, 30)).toBe('resume');
  });
  it('reopens a closed ticket inside the window, inclusive', () => {
    expect(decideThreading('closed', daysAgo(1), now, 30)).toBe('reopen');
    expect(decideThreading('closed', daysAgo(30), now, 30)).toBe('reopen');
  });
  it('opens a linked ticket after the window', () => {
    expect(decideThreading('closed', daysAgo(30.01), now, 30)).toBe('new_linked');
    expect(decideThreading('closed', daysAgo(400), now, 30)).toBe('new_linked');
    expect(decideThreading('closed', null, now, 30)).toBe('new_linked');
  });
  it('never reopens with a zero-day window', () => {
    expect(decideThreading('closed', daysAgo(0.5), now, 0)).toBe('new_linked');
  });
});
