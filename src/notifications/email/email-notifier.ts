import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { MetricsService } from '../../metrics/metrics.service';
import type { Message } from '../../tickets/message.entity';
import { AcknowledgementOutcome, TicketChange, TicketChangeListener, TicketHooks } from '../../tickets/ticket-hooks';
import { STATUS_LABELS, STATUS_MEANINGS, type TicketStatus } from '../../tickets/ticket-status';
import type { Ticket } from '../../tickets/ticket.entity';
import { BRANDING } from '../branding';
import { formatDateEs } from '../format-date-es';
import { OutboxService } from '../outbox.service';
import { EmailTemplateKind, EmailTemplates } from './email-templates';
import type { EmailPayload } from './email-transport';
import { domainOf, parseMailbox } from './mail-address';
import { generateMessageId } from './message-id';
import { emailAppliesTo, pickRecipient, statusTemplate, threadHeaders } from './notification-plan';
import { statusPageUrls } from '../../citizen-status/status-page-url';

interface TicketMailInfo {
  public_token: string;
  created_at: Date;
  citizen_name: string | null;
  area_name: string | null;
  thread: Array<{ direction: string; external_id: string }>;
  emails: Array<{ value: string; undeliverable: boolean }>;
}

interface Notice {
  template: EmailTemplateKind;
  /** outbox kind */
  kind: 'acknowledgement' | 'status_changed' | 'reply';
  /** an existing thread message this mail delivers (a reply, a status change's public text) */
  threadMessage: Message | null;
  message: string | null;
  reason: string | null;
  automatic: boolean;
  /** status-merged: the report it was joined to (the mail shows that report's status) */
  mergedInto?: { folio: string; status: TicketStatus } | null;
}

/**
 * Turns ticket changes into citizen emails, inside the change's own transaction: the
 * acknowledgement of a new ticket, status changes, agent replies. Each mail gets a thread message
 * (outbound, channel email) whose external id is the mail's Message-ID, and an outbox row.
 */
@Injectable()
export class EmailNotifier implements TicketChangeListener, OnModuleInit {
  private readonly logger = new Logger(EmailNotifier.name);
  private readonly counter;
  private readonly ownAddresses: string[];
  private readonly domain: string;

  constructor(
    private readonly config: AppConfig,
    private readonly hooks: TicketHooks,
    private readonly outbox: OutboxService,
    private readonly templates: EmailTemplates,
    metrics: MetricsService,
  ) {
    this.counter = metrics.counter(
      'enlace_email_notifications_total',
      'Citizen emails queued or skipped, by template and outcome',
      ['template', 'outcome'],
    );
    const from = parseMailbox(config.mailFrom).address;
    this.domain = domainOf(from);
    // IMAP_USER comes with the mailbox reader (issue #3); read it when that config exists
    const imapUser = config.imap?.user;
    this.ownAddresses = [from, config.mailReplyTo, imapUser]
      .filter((a): a is string => typeof a === 'string' && a.includes('@'))
      .map((a) => a.toLowerCase());
  }

  onModuleInit(): void {
    this.hooks.register(this);
  }

  async onTicketChange(manager: EntityManager, change: TicketChange): Promise<void> {
    switch (change.type) {
      case 'created':
        if (change.automated) {
          change.acknowledgement = this.skip('acknowledgement', 'automated', change.ticket);
          return;
        }
        change.acknowledgement = await this.notify(manager, change.ticket, {
          template: 'acknowledgement',
          kind: 'acknowledgement',
          threadMessage: null,
          message: null,
          reason: null,
          automatic: true,
        });
        return;
      case 'status_changed': {
        if (!change.notifyCitizen) return;
        const mergedInto = change.to === 'rejected' ? await this.mergeSurvivor(manager, change.ticket) : null;
        const template = statusTemplate(change.from, change.to, { merged: !!mergedInto });
        if (!template) return;
        await this.notify(manager, change.ticket, {
          template,
          kind: 'status_changed',
          threadMessage: change.publicMessage,
          message: change.publicMessage?.bodyText ?? null,
          reason: change.to === 'rejected' ? (change.reason ?? 'No se indicó el motivo.') : null,
          automatic: true,
          mergedInto,
        });
        return;
      }
      case 'reply':
        if (!change.notifyCitizen) return;
        await this.notify(manager, change.ticket, {
          template: 'reply',
          kind: 'reply',
          threadMessage: change.message,
          message: change.message.bodyText,
          reason: null,
          automatic: false,
        });
        return;
      default:
        return;
    }
  }

  private skip(template: string, reason: string, ticket: Ticket): AcknowledgementOutcome {
    this.counter.inc({ template, outcome: `skipped_${reason}` });
    this.logger.log({ ticketId: ticket.id, template, reason }, 'citizen email not sent');
    return { queued: false, reason };
  }

  /** Queues the mail, or says why not (the acknowledgement's outcome goes back to the intake). */
  private async notify(manager: EntityManager, ticket: Ticket, notice: Notice): Promise<AcknowledgementOutcome> {
    if (!emailAppliesTo(ticket.channel)) return { queued: false, reason: 'not_email' };
    if (!ticket.citizenId) return this.skip(notice.template, 'no_citizen', ticket);
    // the citizen's addresses, the ticket's details and its email thread in one round trip
    const info = await this.ticketMailInfo(manager, ticket.id, ticket.citizenId);
    const choice = pickRecipient(info.emails, this.ownAddresses);
    if ('skip' in choice) return this.skip(notice.template, choice.skip, ticket);
    const recipient = choice.address;

    if (notice.kind === 'acknowledgement' && !(await this.withinAckLimit(manager, recipient))) {
      return this.skip(notice.template, 'rate_limited', ticket);
    }

    const thread = info.thread;
    const { inReplyTo, references } = threadHeaders(
      thread.map((m) => ({ direction: m.direction, externalId: m.external_id })),
    );

    const base = this.config.publicBaseUrl;
    const { page: statusPage, link: statusUrl } = statusPageUrls(base, ticket.folio, info.public_token);
    const context = {
      city: BRANDING.city,
      office: BRANDING.office,
      institution: BRANDING.institution,
      folio: ticket.folio,
      subject: ticket.subject,
      citizenName: info.citizen_name,
      // a merged duplicate's citizen hears the status of the report theirs was joined to
      statusLabel: STATUS_LABELS[notice.mergedInto?.status ?? ticket.status],
      statusMeaning: STATUS_MEANINGS[notice.mergedInto?.status ?? ticket.status],
      areaName: info.area_name,
      statusUrl,
      privacyUrl: `${base}/aviso-de-privacidad`,
      message: notice.message,
      reason: notice.reason,
      mergedIntoFolio: notice.mergedInto?.folio ?? null,
      receivedAt: formatDateEs(info.created_at, this.config.cityTimeZone) ?? '',
      automatic: notice.automatic,
      autoCloseDays: this.config.autoCloseDays,
      reopenWindowDays: this.config.reopenWindowDays,
      contact: this.config.citizenContact,
    };
    let rendered;
    try {
      rendered = this.templates.render(notice.template, context);
    } catch (err) {
      // templates are checked at start-up; should one still fail, the ticket change must not
      this.logger.error(
        {
          ticketId: ticket.id,
          template: notice.template,
          err: err instanceof Error ? err.name : 'unknown',
        },
        'email template failed',
      );
      return this.skip(notice.template, 'template_error', ticket);
    }
    const messageId = generateMessageId(this.domain);

    // the thread keeps what was sent, without the status-page token (press users read some threads)
    const redactedText = rendered.text.split(context.statusUrl).join(statusPage);
    const payload: EmailPayload = {
      template: notice.template,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      inReplyTo,
      references,
      automatic: notice.automatic,
    };
    const { messageId: threadMessageId } = await this.outbox.enqueueWithThreadMessage(
      manager,
      {
        channel: 'email',
        kind: notice.kind,
        recipient,
        payload: payload as unknown as Record<string, unknown>,
        ticketId: ticket.id,
        externalId: messageId,
      },
      notice.threadMessage
        ? { id: notice.threadMessage.id, subject: rendered.subject, meta: { notification: notice.template } }
        : { subject: rendered.subject, bodyText: redactedText, meta: { notification: notice.template, automatic: notice.automatic } },
    );
    this.counter.inc({ template: notice.template, outcome: 'queued' });
    this.logger.log(
      { ticketId: ticket.id, messageId: threadMessageId, template: notice.template },
      'citizen email queued',
    );
    return { queued: true };
  }

  /** Whether a rejection is a merge (merge() sets merged_into_id before the status change), and into which report. */
  private async mergeSurvivor(manager: EntityManager, ticket: Ticket): Promise<{ folio: string; status: TicketStatus } | null> {
    if (!ticket.mergedIntoId) return null;
    const [row] = await manager.query<Array<{ folio: string; status: TicketStatus }>>(`SELECT folio, status FROM tickets WHERE id = $1`, [ticket.mergedIntoId]);
    return row ?? null;
  }

  /**
   * The citizen's email identities (following merges, newest first), the ticket's details for the
   * templates and its email thread (for In-Reply-To/References).
   */
  private async ticketMailInfo(manager: EntityManager, ticketId: string, citizenId: string): Promise<TicketMailInfo> {
    const [info] = await manager.query<TicketMailInfo[]>(
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT id, 0 FROM citizens WHERE id = $2
         UNION ALL
         SELECT c.merged_into_id, chain.depth + 1 FROM citizens c JOIN chain ON c.id = chain.id
         WHERE c.merged_into_id IS NOT NULL AND chain.depth < 10
       )
       SELECT t.public_token, t.created_at, c.name AS citizen_name, a.name AS area_name,
              COALESCE((SELECT json_agg(json_build_object('direction', m.direction, 'external_id', m.external_id) ORDER BY m.id)
                        FROM messages m WHERE m.ticket_id = t.id AND m.channel = 'email' AND m.external_id IS NOT NULL
                          -- not a recorded out-of-office answer or bounce: our mail answers the citizen
                          AND (m.meta->>'automated') IS DISTINCT FROM 'true'
                          -- nor the citizen of a duplicate merged into this ticket: another conversation
                          AND (m.meta->>'fromMergedDuplicate') IS DISTINCT FROM 'true'), '[]'::json) AS thread,
              COALESCE((SELECT json_agg(json_build_object('value', ci.value, 'undeliverable', ci.undeliverable) ORDER BY ci.created_at DESC, ci.value)
                        FROM citizen_identities ci WHERE ci.citizen_id IN (SELECT id FROM chain) AND ci.kind = 'email'), '[]'::json) AS emails
       FROM tickets t LEFT JOIN citizens c ON c.id = t.citizen_id LEFT JOIN areas a ON a.id = t.area_id
       WHERE t.id = $1`,
      [ticketId, citizenId],
    );
    return info;
  }

  /** At most MAIL_ACK_RATE_LIMIT acknowledgements per address per hour; concurrent ones take turns. */
  private async withinAckLimit(manager: EntityManager, recipient: string): Promise<boolean> {
    const limit = this.config.mailAckRateLimit;
    if (limit <= 0) return false;
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `ack-rate:${recipient}`,
    ]);
    const [{ n }] = await manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM outbox WHERE recipient = $1 AND kind = 'acknowledgement' AND created_at > now() - interval '1 hour'`,
      [recipient],
    );
    return n < limit;
  }
}
