import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { insertTicketEvents } from '../tickets/ticket-writes';
import { type TicketChange, TicketHooks } from '../tickets/ticket-hooks';
import { SupervisorNotifier } from './supervisor-notifier';

/** At most one notice per ticket in this window: a citizen writing three times in a row makes one mail. */
const NOTICE_WINDOW_HOURS = 24;

/**
 * The citizen answers a report marked «No procede» — the rejection mail invites them to, when they
 * think it is a mistake. Only a supervisor can reverse a rejection (SPEC §2), and a rejected report
 * is in nobody's queue: the answer is recorded as a `rejection_disputed` event and the area's
 * supervisor (else ADMIN_EMAIL) is told by email, at most once a day per report. Merged duplicates
 * (rejected as "duplicado de …") are not disputes: their answers go to the surviving report.
 */
@Injectable()
export class RejectionDisputeListener implements OnModuleInit {
  private readonly logger = new Logger(RejectionDisputeListener.name);

  constructor(
    private readonly hooks: TicketHooks,
    private readonly notifier: SupervisorNotifier,
  ) {}

  onModuleInit(): void {
    this.hooks.register({ onTicketChange: (manager, change) => this.onTicketChange(manager, change) });
  }

  async onTicketChange(manager: EntityManager, change: TicketChange): Promise<void> {
    // an edit of an earlier message (a platform's "edited message") disputes nothing
    if (change.type !== 'citizen_message' || change.automated || change.correction) return;
    const { ticket, message } = change;
    // not public: a third party's answer or a merged duplicate's citizen (staff only)
    if (ticket.status !== 'rejected' || ticket.mergedIntoId || !message.public) return;
    const [recent] = await manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1 AND type = 'rejection_disputed' AND (data->>'notified')::boolean
         AND created_at > now() - make_interval(hours => $2)`,
      [ticket.id, NOTICE_WINDOW_HOURS],
    );
    const notify = recent.n === 0;
    if (notify) {
      const [area] = await manager.query<Array<{ supervisor_email: string | null }>>(`SELECT supervisor_email FROM areas WHERE id = $1`, [ticket.areaId]);
      await this.notifier.notifyRejectionDisputed(manager, { ticketId: ticket.id, folio: ticket.folio, areaId: ticket.areaId, recipient: area?.supervisor_email ?? null });
    }
    await insertTicketEvents(manager, [{ ticketId: ticket.id, type: 'rejection_disputed', actorKind: 'citizen', data: { messageId: message.id, notified: notify } }]);
    this.logger.log({ ticketId: ticket.id, messageId: message.id, notified: notify }, 'citizen answered a rejected report');
  }
}
