import {
  allowedTransitions,
  canTransition,
  checkTransition,
  isTicketStatus,
  STATUS_LABELS,
  TICKET_STATUSES,
  TicketStatus,
} from './ticket-status';

const ALLOWED: Record<TicketStatus, TicketStatus[]> = {
  new: ['assigned', 'in_progress', 'waiting_citizen', 'resolved', 'rejected'],
  assigned: ['assigned', 'in_progress', 'waiting_citizen', 'resolved', 'rejected'],
  in_progress: ['assigned', 'waiting_citizen', 'resolved', 'rejected'],
  waiting_citizen: ['in_progress', 'resolved', 'closed', 'rejected'],
  resolved: ['in_progress', 'closed'],
  closed: ['in_progress'],
  rejected: ['new'],
};

const pairs = TICKET_STATUSES.flatMap((from) => TICKET_STATUSES.map((to) => [from, to] as const));

describe('ticket status transitions', () => {
  it('covers all 49 pairs', () => expect(pairs).toHaveLength(49));

  it.each(pairs)('%s → %s follows the SPEC table', (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED[from].includes(to));
  });

  it.each(TICKET_STATUSES)('lists the allowed targets of %s', (from) => {
    expect([...allowedTransitions(from)].sort()).toEqual([...ALLOWED[from]].sort());
  });

  it('offers each actor only the transitions it may make', () => {
    expect(allowedTransitions('closed', 'staff')).toEqual([]);
    expect(allowedTransitions('closed', 'supervisor')).toEqual(['in_progress']);
    expect(allowedTransitions('rejected', 'staff')).toEqual([]);
    expect(allowedTransitions('rejected', 'supervisor')).toEqual(['new']);
    expect([...allowedTransitions('in_progress', 'staff')].sort()).toEqual([...ALLOWED.in_progress].sort()); // rejected included: it only needs a reason
  });

  it('has an es-MX label for every status', () => {
    expect(STATUS_LABELS).toEqual({
      new: 'Recibido',
      assigned: 'Turnado',
      in_progress: 'En atención',
      waiting_citizen: 'En espera de información',
      resolved: 'Atendido',
      closed: 'Cerrado',
      rejected: 'No procede',
    });
  });

  it('recognises status codes', () => {
    expect(isTicketStatus('new')).toBe(true);
    expect(isTicketStatus('NEW')).toBe(false);
    expect(isTicketStatus('deleted')).toBe(false);
    expect(isTicketStatus(undefined)).toBe(false);
  });

  describe('checkTransition', () => {
    it('refuses a pair outside the table, listing allowed targets', () => {
      expect(checkTransition('closed', 'resolved', 'supervisor')).toEqual({
        ok: false,
        reason: 'not_allowed',
        allowed: ['in_progress'],
      });
    });
    it('lets only a supervisor, a citizen reply or the system reopen a closed ticket', () => {
      expect(checkTransition('closed', 'in_progress', 'staff')).toEqual({ ok: false, reason: 'supervisor_only' });
      expect(checkTransition('closed', 'in_progress', 'supervisor')).toEqual({ ok: true });
      expect(checkTransition('closed', 'in_progress', 'citizen')).toEqual({ ok: true });
      expect(checkTransition('closed', 'in_progress', 'system')).toEqual({ ok: true });
    });
    it('lets only a supervisor reverse a rejection', () => {
      expect(checkTransition('rejected', 'new', 'staff')).toEqual({ ok: false, reason: 'supervisor_only' });
      expect(checkTransition('rejected', 'new', 'citizen')).toEqual({ ok: false, reason: 'supervisor_only' });
      expect(checkTransition('rejected', 'new', 'supervisor')).toEqual({ ok: true });
    });
    it('requires a reason to reject', () => {
      expect(checkTransition('new', 'rejected', 'staff')).toEqual({ ok: false, reason: 'reason_required' });
      expect(checkTransition('new', 'rejected', 'staff', '   ')).toEqual({ ok: false, reason: 'reason_required' });
      expect(checkTransition('new', 'rejected', 'staff', 'fuera de competencia')).toEqual({ ok: true });
    });
    it('allows ordinary staff moves', () => {
      expect(checkTransition('new', 'assigned', 'staff')).toEqual({ ok: true });
      expect(checkTransition('resolved', 'closed', 'system')).toEqual({ ok: true });
    });
  });
});
