import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** accept: still `new` after the category's accept_days; first response; resolution */
export type SlaTarget = 'accept' | 'first_response' | 'resolution';

/** A missed service-level target of one ticket, to tell the area's supervisor about. */
export interface OverdueNotice {
  ticketId: string;
  folio: string;
  target: SlaTarget;
  dueAt: Date;
  areaId: string | null;
  /** the area's supervisor_email; null when the area has none (the wiring may fall back to ADMIN_EMAIL) */
  recipient: string | null;
}

/** A citizen answered a report marked «No procede»: a supervisor decides whether to reverse it. */
export interface RejectionDisputeNotice {
  ticketId: string;
  folio: string;
  areaId: string | null;
  /** the area's supervisor_email; null when the area has none (the wiring may fall back to ADMIN_EMAIL) */
  recipient: string | null;
}

/**
 * Sends the overdue notice. Called inside the job's transaction with its `manager`, once per
 * ticket and target (guaranteed by `sla_notifications`), so an implementation that writes an
 * outbox row (`OutboxService.enqueue(manager, …)`) commits together with that record.
 */
export abstract class SupervisorNotifier {
  abstract notifyOverdue(manager: EntityManager, notice: OverdueNotice): Promise<void>;
  /** Tells the supervisor that the citizen answered a rejected report (in the caller's transaction). */
  abstract notifyRejectionDisputed(manager: EntityManager, notice: RejectionDisputeNotice): Promise<void>;
}

/**
 * Default until the outbound-email outbox is wired in (the lead replaces this provider at merge):
 * logs ids only — never the address.
 */
@Injectable()
export class LoggingSupervisorNotifier extends SupervisorNotifier {
  private readonly logger = new Logger('SupervisorNotifier');

  notifyOverdue(_manager: EntityManager, notice: OverdueNotice): Promise<void> {
    this.logger.warn(
      { ticketId: notice.ticketId, target: notice.target, areaId: notice.areaId, hasRecipient: notice.recipient !== null },
      'service-level target missed',
    );
    return Promise.resolve();
  }

  notifyRejectionDisputed(_manager: EntityManager, notice: RejectionDisputeNotice): Promise<void> {
    this.logger.warn({ ticketId: notice.ticketId, areaId: notice.areaId, hasRecipient: notice.recipient !== null }, 'citizen answered a rejected report');
    return Promise.resolve();
  }
}
