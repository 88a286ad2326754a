import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { normalizeEmail } from '../../citizens/normalize-contact';
import { leftCodePoints } from '../../common/code-points';
import { AppConfig } from '../../config/app-config';
import { findFolioInText } from '../../tickets/folio';
import { Message } from '../../tickets/message.entity';
import { TicketEvent } from '../../tickets/ticket-event.entity';
import type { IntakeResult } from '../inbound-message';
import { IntakeService, intakeLockKey } from '../intake.service';
import type { ParsedInboundEmail } from './parse-inbound-email';
import { parseMailbox } from '../../notifications/email/mail-address';

/** Where a mail came from in the mailbox (null for an admin retry of a stored failure). */
export interface MailSource {
  mailbox: string;
  uidvalidity: string;
  uid: number;
  /** when the mailbox received it (IMAP INTERNALDATE): the reopen window is measured from it */
  receivedAt?: Date | null;
}

/** Outbox kinds of the notices we mail to staff (an answer to one is staff talk, not a report). */
const STAFF_NOTICE_KINDS = ['sla_overdue', 'rejection_disputed'];

/**
 * `owner`: the citizens whose email identity is $2, followed through citizen merges (at most 10
 * steps) — "the sender is this ticket's citizen" in the threading rules.
 */
const SENDER_CITIZENS = `WITH RECURSIVE owner(id, depth) AS (
  SELECT c.id, 0 FROM citizen_identities i JOIN citizens c ON c.id = i.citizen_id WHERE i.kind = 'email' AND i.value = $2
  UNION ALL
  SELECT c.merged_into_id, o.depth + 1 FROM owner o JOIN citizens c ON c.id = o.id WHERE c.merged_into_id IS NOT NULL AND o.depth < 10
)`;

/** Message-IDs worth looking up: distinct, of a storable length, at most 100 of a long References chain. */
const lookupIds = (ids: string[]): string[] => [...new Set(ids)].filter((id) => id.length <= 998).slice(0, 100);

export type EmailDecision =
  | IntakeResult['outcome']
  | 'bounce_recorded'
  | 'bounce_unmatched'
  | 'auto_reply_recorded'
  | 'automatic_unmatched'
  | 'ignored_own'
  | 'staff_reply_recorded';

export interface EmailIntakeResult {
  decision: EmailDecision;
  reason: string;
  ticketId: string | null;
  messageId: string | null;
  folio: string | null;
  acknowledged: boolean;
  /** set when IntakeService made the decision (for its metrics, counted after commit) */
  intake: IntakeResult | null;
  /** the very same IMAP message (folder, UIDVALIDITY, UID) was already processed but is still in the folder: no new log row */
  unfiled?: boolean;
}

/**
 * Decides what one parsed mail does (SPEC §3.1), inside the caller's transaction: thread it,
 * make a ticket through IntakeService, record a bounce/auto-reply on its ticket, or only log it.
 * Every call writes exactly one intake-log row.
 */
@Injectable()
export class EmailIntakeService {
  private readonly logger = new Logger(EmailIntakeService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly intake: IntakeService,
  ) {}

  get ownAddresses(): string[] {
    return [this.config.imap?.user, parseMailbox(this.config.mailFrom).address, this.config.mailReplyTo]
      .filter((a): a is string => !!a && a.includes('@'))
      .map((a) => a.toLowerCase());
  }

  async process(manager: EntityManager, mail: ParsedInboundEmail, source: MailSource | null): Promise<EmailIntakeResult> {
    const externalId = mail.externalId.slice(0, 998);
    const result = await this.decide(manager, mail, externalId, source);
    // processed before but not moved yet (a crash, or a move the server refused): nothing new arrived
    if (result.unfiled) return result;
    if (mail.oversizedBytes) result.reason = `${result.reason}; ${mail.oversizedBytes}-byte mail read part by part`;
    await manager.query(
      `INSERT INTO intake_log (channel, mailbox, uidvalidity, uid, external_id, from_address, subject, kind, decision, reason, ticket_id, message_id, acknowledged)
       VALUES ('email', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        source?.mailbox ?? null,
        source?.uidvalidity ?? null,
        source?.uid ?? null,
        externalId,
        mail.fromAddress,
        mail.subject === null ? null : leftCodePoints(mail.subject, 500),
        mail.classification.kind,
        result.decision,
        leftCodePoints(result.reason, 500),
        result.ticketId,
        result.messageId,
        result.acknowledged,
      ],
    );
    this.logger.log({ ticketId: result.ticketId, messageId: result.messageId, decision: result.decision, uid: source?.uid ?? null }, 'email intake');
    return result;
  }

  private async decide(manager: EntityManager, mail: ParsedInboundEmail, externalId: string, source: MailSource | null): Promise<EmailIntakeResult> {
    const arrivedAt = source?.receivedAt ?? null;
    const none = { ticketId: null, messageId: null, folio: null, acknowledged: false, intake: null };
    // serialise deliveries of this id (a separate statement: the read below needs a snapshot taken after the lock)
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [intakeLockKey('email', externalId)]);
    const kind = mail.classification.kind;
    // a person writing from an address a bounce marked undeliverable (a full mailbox, since emptied):
    // it works again, and this mail's acknowledgement and what follows go to it. Cleared in the same
    // statement as the dedupe read (one round trip less per mail), and only for a mail not seen before
    const clearFrom = kind === 'human' && !mail.classification.noAcknowledgement ? normalizeEmail(mail.fromAddress ?? '') : null;
    const [{ seen, cleared }]: Array<{
      seen: { ticket_id: string | null; message_id: string | null; decision: string; mailbox: string | null; uidvalidity: string | null; uid: string | null } | null;
      cleared: number;
    }> = await manager.query(
      `WITH seen AS (
         SELECT ticket_id::text, message_id::text, decision, mailbox, uidvalidity::text, uid::text FROM intake_log
         WHERE channel = 'email' AND external_id = $1 AND decision NOT IN ('duplicate', 'failed') ORDER BY id LIMIT 1
       ), cleared AS (
         UPDATE citizen_identities SET undeliverable = false
         WHERE $2::text IS NOT NULL AND kind = 'email' AND value = $2::text AND undeliverable AND NOT EXISTS (SELECT 1 FROM seen)
         RETURNING 1
       )
       SELECT (SELECT row_to_json(seen) FROM seen) AS seen, (SELECT count(*) FROM cleared)::int AS cleared`,
      [externalId, clearFrom],
    );
    if (seen) {
      const s = seen;
      const unfiled = !!source && s.mailbox === source.mailbox && String(s.uidvalidity) === String(source.uidvalidity) && Number(s.uid) === source.uid;
      return { ...none, decision: 'duplicate', reason: `already processed (${s.decision})`, ticketId: s.ticket_id, messageId: s.message_id, ...(unfiled ? { unfiled } : {}) };
    }
    if (kind === 'own') return { ...none, decision: 'ignored_own', reason: mail.classification.reason };

    if (kind === 'bounce') {
      const ticketId = await this.ticketByOurMessageIds(manager, [...mail.references, ...(mail.bounce?.referencedIds ?? [])]);
      if (!ticketId) return { ...none, decision: 'bounce_unmatched', reason: `${mail.classification.reason}; no message of ours referenced` };
      const messageId = await this.recordAutomatic(manager, ticketId, mail, externalId, 'bounce');
      // a report that our mail was delayed or delivered, or a read receipt, marks no address
      const marked =
        mail.bounce?.failed === false ? 0 : await this.markUndeliverable(manager, ticketId, [...mail.references, ...(mail.bounce?.referencedIds ?? [])], mail.bounce?.recipients ?? []);
      await manager.insert(TicketEvent, { ticketId, type: 'email_bounced', actorKind: 'system', data: { messageId, identitiesMarked: marked } });
      return { ...none, decision: 'bounce_recorded', reason: `${mail.classification.reason}; ${marked} address(es) marked undeliverable`, ticketId, messageId };
    }

    // a supervisor answering one of our notices to staff (an overdue target, a disputed rejection):
    // staff talk, not a citizen's report — an internal note on its ticket, no ticket, no acknowledgement
    if (kind === 'human') {
      const notice = await this.staffNoticeAnswered(manager, mail.references);
      if (notice) {
        const messageId = await this.recordStaffReply(manager, notice.ticketId, mail, externalId, notice.kind);
        return { ...none, decision: 'staff_reply_recorded', reason: `answers a notice to staff (${notice.kind}): an internal note on its ticket`, ticketId: notice.ticketId, messageId };
      }
    }

    let threadTicketId = await this.ticketByOurMessageIds(manager, mail.references);
    let threadReason = threadTicketId ? 'replies to one of our messages' : '';
    // anyone can answer a notification the citizen forwarded: only the citizen's answer moves the ticket
    const fromThirdParty = !!threadTicketId && !(mail.fromAddress && (await this.senderOwnsTicket(manager, threadTicketId, mail.fromAddress)));
    if (fromThirdParty) threadReason = 'replies to one of our messages, from someone other than its citizen: status kept';
    if (!threadTicketId && mail.subject && mail.fromAddress) {
      threadTicketId = await this.ticketByFolioOfSender(manager, mail.subject, mail.fromAddress);
      if (threadTicketId) threadReason = 'folio in the subject, sent by its citizen';
    }
    if (!threadTicketId && mail.fromAddress && mail.references.length) {
      // "se me olvidó la foto": the citizen answers their own earlier mail (not ours) — the same report
      threadTicketId = await this.ticketBySendersOwnMessageIds(manager, mail.references, mail.fromAddress);
      if (threadTicketId) threadReason = "replies to the sender's own earlier mail on that ticket";
    }

    // auto-replies and list/bulk mail (SPEC §3.1: unsolicited automatic mail makes no ticket): on
    // the thread they answer, without changing its status; otherwise only in the intake log. Except
    // what an Exchange inbox rule sent (may be a person's mail a rule forwarded): a ticket, unacknowledged
    const ticketOfUnmatched = kind === 'auto_reply' && mail.classification.ticketWhenUnmatched === true;
    // an out-of-office-looking answer to one of our mails (its whole subject is "Respuesta
    // automática: …", no automatic header): recorded like an auto-reply, the status kept
    const outOfOfficeAnswer = kind === 'human' && mail.classification.noAcknowledgement === true && !!threadTicketId && !fromThirdParty;
    if (((kind === 'auto_reply' || kind === 'bulk') && !(ticketOfUnmatched && !threadTicketId)) || outOfOfficeAnswer) {
      if (!threadTicketId) return { ...none, decision: 'automatic_unmatched', reason: mail.classification.reason };
      const automaticKind = kind === 'bulk' ? 'bulk' : 'auto_reply';
      const messageId = await this.recordAutomatic(manager, threadTicketId, mail, externalId, automaticKind);
      await manager.insert(TicketEvent, { ticketId: threadTicketId, type: 'auto_reply_received', actorKind: 'system', data: { messageId, kind: automaticKind } });
      return { ...none, decision: 'auto_reply_recorded', reason: mail.classification.reason, ticketId: threadTicketId, messageId };
    }

    let reason = threadReason || 'new report';
    // maybe a person's, maybe a robot's (an automatic-reply subject without any automatic header, an
    // inbox rule): a new ticket is made but never acknowledged (an acknowledgement to a robot starts
    // a loop). On a thread nothing is acknowledged anyway: a person's answer moves it as usual
    const unacknowledged = mail.classification.noAcknowledgement === true && !threadTicketId;
    if (unacknowledged) reason = `${reason} (${mail.classification.reason})`;
    const result = await this.intake.receiveIn(manager, {
      channel: 'email',
      externalId,
      sender: { name: mail.fromName, identities: mail.fromAddress ? [{ kind: 'email', value: mail.fromAddress }] : [] },
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      // a forwarded mail ("RV:", "Fwd:") is the report itself: nothing of it is quoted history
      textNew: isForward(mail.subject) && !threadTicketId ? undefined : mail.textNew,
      attachments: mail.attachments,
      threadTicketId,
      fromThirdParty,
      ...(unacknowledged ? { unacknowledged: true } : {}),
      // a reply that arrived within the reopen window reopens, however late the reader got to it
      // (an outage); never later than now (a server clock ahead of ours)
      receivedAt: arrivedAt && !Number.isNaN(arrivedAt.getTime()) ? new Date(Math.min(arrivedAt.getTime(), Date.now())) : undefined,
      meta: { messageId: mail.messageId, ...(mail.references.length ? { references: mail.references.slice(0, 20) } : {}) },
      deferDuplicateSearch: true,
    }, { deduplicated: true });
    // the email notifier decides (undeliverable or own address, MAIL_ACK_RATE_LIMIT per sender)
    const acknowledged = result.acknowledgement?.queued === true;
    const skipped = result.acknowledgement?.queued === false ? result.acknowledgement.reason : undefined;
    if (skipped === 'rate_limited') reason = 'new report; acknowledgement rate limit reached for this sender';
    else if (skipped) reason = `${reason}; not acknowledged (${skipped})`;
    if (cleared) reason = `${reason}; sender's address no longer marked undeliverable`;
    return { decision: result.outcome, reason, ticketId: result.ticketId, messageId: result.messageId, folio: result.folio, acknowledged, intake: result };
  }

  private async ticketByOurMessageIds(manager: EntityManager, ids: string[]): Promise<string | null> {
    const wanted = lookupIds(ids);
    if (!wanted.length) return null;
    const rows: Array<{ ticket_id: string }> = await manager.query(
      `SELECT ticket_id FROM messages WHERE channel = 'email' AND direction = 'outbound' AND external_id = ANY($1) ORDER BY id DESC LIMIT 1`,
      [wanted],
    );
    return rows.length ? String(rows[0].ticket_id) : null;
  }

  /**
   * The ticket of an earlier mail of the sender's own that this one answers (In-Reply-To/References),
   * when the sender is that ticket's citizen (following citizen merges).
   */
  private async ticketBySendersOwnMessageIds(manager: EntityManager, ids: string[], from: string): Promise<string | null> {
    const wanted = lookupIds(ids);
    const email = normalizeEmail(from);
    if (!wanted.length || !email) return null;
    const rows: Array<{ ticket_id: string }> = await manager.query(
      `${SENDER_CITIZENS}
       SELECT m.ticket_id FROM messages m JOIN tickets t ON t.id = m.ticket_id
       WHERE m.channel = 'email' AND m.direction = 'inbound' AND m.external_id = ANY($1) AND t.citizen_id IN (SELECT id FROM owner)
       ORDER BY m.id DESC LIMIT 1`,
      [wanted, email],
    );
    return rows.length ? String(rows[0].ticket_id) : null;
  }

  /** Whether the address is one of the ticket citizen's (following citizen merges). */
  private async senderOwnsTicket(manager: EntityManager, ticketId: string, from: string): Promise<boolean> {
    const email = normalizeEmail(from);
    if (!email) return false;
    const rows: unknown[] = await manager.query(
      `${SENDER_CITIZENS}
       SELECT 1 FROM tickets t WHERE t.id = $1 AND t.citizen_id IN (SELECT id FROM owner)`,
      [ticketId, email],
    );
    return rows.length > 0;
  }

  /** The folio in the subject counts only when the sender is that ticket's citizen (following citizen merges). */
  private async ticketByFolioOfSender(manager: EntityManager, subject: string, from: string): Promise<string | null> {
    const folio = findFolioInText(subject, this.config.folioPrefix);
    const email = normalizeEmail(from);
    if (!folio || !email) return null;
    const rows: Array<{ id: string }> = await manager.query(
      `${SENDER_CITIZENS}
       SELECT t.id FROM tickets t WHERE t.folio = $1 AND t.citizen_id IN (SELECT id FROM owner)`,
      [folio, email],
    );
    return rows.length ? String(rows[0].id) : null;
  }

  /** The notice to staff (its outbox row) one of these Message-IDs names. */
  private async staffNoticeAnswered(manager: EntityManager, ids: string[]): Promise<{ ticketId: string; kind: string } | null> {
    const wanted = lookupIds(ids);
    if (!wanted.length) return null;
    const rows: Array<{ ticket_id: string; kind: string }> = await manager.query(
      `SELECT ticket_id, kind FROM outbox WHERE channel = 'email' AND external_id = ANY($1) AND kind = ANY($2) AND ticket_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
      [wanted, STAFF_NOTICE_KINDS],
    );
    return rows.length ? { ticketId: String(rows[0].ticket_id), kind: rows[0].kind } : null;
  }

  /** A staff member's answer to a notice, as an internal note (by that user when the address is an active account's). */
  private async recordStaffReply(manager: EntityManager, ticketId: string, mail: ParsedInboundEmail, externalId: string, kind: string): Promise<string> {
    const [user] = await manager.query<Array<{ id: string }>>(`SELECT id FROM users WHERE lower(email) = $1 AND active LIMIT 1`, [normalizeEmail(mail.fromAddress ?? '') ?? '']);
    const saved = await manager.save(
      Message,
      manager.create(Message, {
        ticketId,
        direction: 'note',
        channel: 'email',
        authorUserId: user?.id ?? null,
        authorName: user ? null : (mail.fromName ?? mail.fromAddress),
        subject: mail.subject,
        bodyText: leftCodePoints(mail.textNew || mail.text, 20_000),
        externalId,
        public: false,
        meta: { staffReplyTo: kind, from: mail.fromAddress, messageId: mail.messageId },
      }),
    );
    await manager.insert(TicketEvent, { ticketId, type: 'note_added', actorKind: user ? 'user' : 'system', actorUserId: user?.id ?? null, data: { messageId: saved.id, byEmail: true } });
    return saved.id;
  }

  /** A bounce, auto-reply or list mail goes on the ticket's thread as an internal entry: no status change, no acknowledgement. */
  private async recordAutomatic(manager: EntityManager, ticketId: string, mail: ParsedInboundEmail, externalId: string, kind: 'bounce' | 'auto_reply' | 'bulk') {
    const saved = await manager.save(
      Message,
      manager.create(Message, {
        ticketId,
        direction: 'inbound',
        channel: 'email',
        authorName: mail.fromName ?? mail.fromAddress,
        subject: mail.subject,
        bodyText: leftCodePoints(mail.text, 20_000),
        bodyHtml: null,
        bodyNew: leftCodePoints(mail.textNew, 20_000),
        externalId,
        public: false,
        meta: { automated: true, kind, messageId: mail.messageId, ...(mail.bounce ? { failedRecipients: mail.bounce.recipients.slice(0, 20) } : {}) },
      }),
    );
    return saved.id;
  }

  /**
   * Marks undeliverable what a bounce of one of our mails on this ticket reports, but only addresses
   * that mail was sent to (its outbox row's recipient) and that are the ticket's citizen's (following
   * citizen merges): anyone can write a DSN citing one of our Message-IDs, and naming someone else's
   * address in it must not stop that person's mail. A report naming no recipient marks the one
   * address our mail went to (or, with no outbox row, the citizen's only address).
   */
  private async markUndeliverable(manager: EntityManager, ticketId: string, referencedIds: string[], recipients: string[]): Promise<number> {
    const named = [...new Set(recipients.map((r) => normalizeEmail(r)).filter((r): r is string => !!r))];
    const ids = lookupIds(referencedIds);
    const [{ sent_to: sentTo, citizen }]: Array<{ sent_to: string[]; citizen: string[] }> = await manager.query(
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT citizen_id, 0 FROM tickets WHERE id = $1 AND citizen_id IS NOT NULL
         UNION ALL
         SELECT c.merged_into_id, chain.depth + 1 FROM citizens c JOIN chain ON c.id = chain.id
         WHERE c.merged_into_id IS NOT NULL AND chain.depth < 10
       )
       SELECT COALESCE((SELECT array_agg(DISTINCT lower(o.recipient)) FROM outbox o
                        WHERE o.ticket_id = $1 AND o.channel = 'email' AND o.external_id = ANY($2::text[])), '{}') AS sent_to,
              COALESCE((SELECT array_agg(DISTINCT i.value) FROM citizen_identities i
                        WHERE i.citizen_id IN (SELECT id FROM chain) AND i.kind = 'email'), '{}') AS citizen`,
      [ticketId, ids],
    );
    const theirs = new Set(citizen);
    // what our mail was sent to, when we know it (an outbox row); else any of the citizen's addresses
    const allowed = sentTo.length ? sentTo.filter((a) => theirs.has(a)) : [...theirs];
    let addresses = named.filter((a) => allowed.includes(a));
    // the DSN names no recipient: the one address our mail went to (or the citizen has)
    if (!named.length && allowed.length === 1) addresses = allowed;
    if (!addresses.length) return 0;
    // TypeORM answers an UPDATE with [rows, affected count]
    const [, affected]: [unknown[], number] = await manager.query(`UPDATE citizen_identities SET undeliverable = true WHERE kind = 'email' AND value = ANY($1)`, [addresses]);
    return affected;
  }
}

/**
 * "RV: …", "Fwd: …", "Fw: …", "Reenviado: …", "Reenviar: …" — a mail someone passes on, whose body is
 * what they pass on; also behind the "[EXTERNO]" tags mail gateways put first ("[EXTERNO] RV: fuga")
 */
export function isForward(subject: string | null): boolean {
  return !!subject && /^\s*(\[[^\][\r\n]{0,60}\]\s*)*(fwd?|rv|reenv(iado|iar)?)\s*:/i.test(subject);
}
