/**
 * The ticket status workflow (SPEC §2). Pure module: the single source of truth for which
 * status may follow which, checked on every change.
 */
export const TICKET_STATUSES = [
  'new',
  'assigned',
  'in_progress',
  'waiting_citizen',
  'resolved',
  'closed',
  'rejected',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const STATUS_LABELS: Record<TicketStatus, string> = {
  new: 'Recibido',
  assigned: 'Turnado',
  in_progress: 'En atención',
  waiting_citizen: 'En espera de información',
  resolved: 'Atendido',
  closed: 'Cerrado',
  rejected: 'No procede',
};

export const STATUS_MEANINGS: Record<TicketStatus, string> = {
  new: 'Recibimos su reporte; en breve será revisado.',
  assigned: 'Su reporte fue turnado al área responsable.',
  in_progress: 'El área responsable está atendiendo su reporte.',
  waiting_citizen: 'Necesitamos que nos proporcione información adicional para continuar.',
  resolved: 'El área responsable dio solución a su reporte.',
  closed: 'Su reporte está cerrado.',
  rejected: 'No es posible atender su reporte por el motivo indicado.',
};

const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['assigned', 'in_progress', 'waiting_citizen', 'resolved', 'rejected'],
  assigned: ['assigned', 'in_progress', 'waiting_citizen', 'resolved', 'rejected'],
  in_progress: ['assigned', 'waiting_citizen', 'resolved', 'rejected'],
  waiting_citizen: ['in_progress', 'resolved', 'closed', 'rejected'],
  resolved: ['in_progress', 'closed'],
  closed: ['in_progress'],
  rejected: ['new'],
};

/** Open = still needs work from the office. */
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'assigned', 'in_progress', 'waiting_citizen'];

export function isTicketStatus(value: unknown): value is TicketStatus {
  return typeof value === 'string' && (TICKET_STATUSES as readonly string[]).includes(value);
}

/** The table's transitions from a status; with `actor`, only those that actor may make (the ticket detail offers these). */
export function allowedTransitions(from: TicketStatus, actor?: TransitionActor): readonly TicketStatus[] {
  if (!actor) return TRANSITIONS[from];
  return TRANSITIONS[from].filter((to) => {
    const check = checkTransition(from, to, actor, 'x');
    return check.ok || check.reason === 'reason_required';
  });
}

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export type TransitionActor = 'staff' | 'supervisor' | 'citizen' | 'system';

export type TransitionCheck =
  | { ok: true }
  | { ok: false; reason: 'not_allowed'; allowed: readonly TicketStatus[] }
  | { ok: false; reason: 'supervisor_only' }
  | { ok: false; reason: 'reason_required' };

/**
 * Full check of a requested change: the table, who may do it, and whether a reason is needed.
 * - `closed → in_progress` is a reopen: a citizen reply (within the window, decided by the
 *   caller) or a supervisor.
 * - `rejected → new` only by a supervisor.
 * - moving to `rejected` needs a reason.
 */
export function checkTransition(
  from: TicketStatus,
  to: TicketStatus,
  actor: TransitionActor,
  reason?: string | null,
): TransitionCheck {
  if (!canTransition(from, to)) return { ok: false, reason: 'not_allowed', allowed: allowedTransitions(from) };
  if (from === 'closed' && to === 'in_progress' && actor === 'staff') return { ok: false, reason: 'supervisor_only' };
  if (from === 'rejected' && to === 'new' && actor !== 'supervisor' && actor !== 'system')
    return { ok: false, reason: 'supervisor_only' };
  if (to === 'rejected' && !(reason && reason.trim())) return { ok: false, reason: 'reason_required' };
  return { ok: true };
}
