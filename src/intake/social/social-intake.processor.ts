import { leftCodePoints } from '../../common/code-points';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { type ContactIdentity, normalizeIdentities } from '../../citizens/citizens.service';
import { normalizePhone } from '../../citizens/normalize-contact';
import { AppConfig } from '../../config/app-config';
import { isTransientError } from '../../database/transient-error';
import type { InboundAttachment, InboundMessage } from '../inbound-message';
import { IntakeService } from '../intake.service';
import { inspectMedia, isAllowedPlatformMime } from './media-check';
import { MetaGraphClient } from './meta-graph.client';
import { parseMetaDelivery } from './parse-meta-delivery';
import { parseTelegramUpdate } from './parse-telegram-update';
import { recordDeliveryFailure } from './record-delivery-failure';
import { MediaTooLargeError, PlatformError } from './platform-errors';
import { pseudonymousWamid } from './social-events-personal-data';
import { cleanItem, MEDIA_LABELS, type MediaRef, type PlatformDeliveryFailure, type SocialItem } from './social-item';
import { keepRetryingMedia, textWaitsForMedia } from './social-retry-policy';
import { TelegramClient } from './telegram.client';

export interface ClaimedEvent {
  id: string;
  platform: 'meta' | 'telegram';
  body: Buffer;
  /** including the current one */
  attempts: number;
  /** seconds since the delivery arrived (`received_at`, by the database's clock); 0 when unknown */
  ageSeconds?: number;
}

/** The reason on a file whose download is still being retried (the message is in without it meanwhile). */
export const MEDIA_PENDING_REASON = 'descarga pendiente: se reintenta';
export const MEDIA_GIVEN_UP_REASON = 'no se pudo descargar el archivo';
const FUTURE_SKEW_MS = 5 * 60_000;
/** Put before the text of an edit stored on the ticket of the message it corrects. */
export const EDITED_MARK = '[mensaje editado]';

/** Where one delivery's processing stands: its attempt, its age, and the media left to fetch later. */
interface Pass {
  attempts: number;
  ageSeconds: number;
  mediaPending: number;
  mediaError: string | null;
}

/** A download that failed in a way worth trying again later. */
interface RetryableDownload {
  retry: Error;
}

/**
 * Turns one stored webhook delivery into intake calls: parse, skip what is already stored,
 * download and check media, find the thread, and call IntakeService.receiveIn; and records
 * WhatsApp's late delivery failures of our replies on them.
 *
 * Media (social-retry-policy): a download that fails transiently holds the message back while the
 * delivery is young (the whole delivery is retried); after that the message goes in with the file
 * recorded as pending (MEDIA_PENDING_REASON), the result says `mediaPending`, and the queue brings
 * the delivery back: the file is then fetched into that attachment, until the retry window is
 * over and it is recorded as not downloadable. The text is never lost, nor held back for long.
 */
@Injectable()
export class SocialIntakeProcessor {
  private readonly logger = new Logger(SocialIntakeProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly intake: IntakeService,
    private readonly graph: MetaGraphClient,
    private readonly telegram: TelegramClient,
  ) {}

  async process(event: ClaimedEvent): Promise<Record<string, unknown>> {
    let json: unknown;
    try {
      json = JSON.parse(event.body.toString('utf8'));
    } catch {
      return { ignored: { invalid_json: 1 }, outcomes: {} };
    }
    let items: SocialItem[];
    let deliveryFailures: PlatformDeliveryFailure[] = [];
    let ignored: Record<string, number>;
    if (event.platform === 'meta') {
      ({ items, deliveryFailures, ignored } = parseMetaDelivery(json));
    } else {
      const r = parseTelegramUpdate(json);
      items = r.item ? [r.item] : [];
      ignored = r.ignored ? { [r.ignored]: 1 } : {};
    }
    const pass: Pass = { attempts: event.attempts, ageSeconds: event.ageSeconds ?? 0, mediaPending: 0, mediaError: null };
    const outcomes: Record<string, number> = {};
    const failures: Array<{ externalId: string; error: string }> = [];
    for (const raw of items) {
      const item = cleanItem(raw);
      if (!item) {
        ignored.invalid_item = (ignored.invalid_item ?? 0) + 1;
        continue;
      }
      let outcome: string;
      try {
        outcome = await this.handle(item, pass);
      } catch (err) {
        // the database or the platform is away: retry the whole event (what is done dedupes)
        if (isTransientError(err) || (err instanceof PlatformError && err.retryable)) throw err;
        // this message cannot be stored: the others of the delivery still are; the raw delivery stays in social_events
        const error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : 'unknown error';
        this.logger.error({ channel: item.channel, eventId: event.id, err }, 'social message could not be stored; the rest of the delivery goes on');
        failures.push({ externalId: item.externalId.slice(0, 200), error });
        outcome = 'failed';
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    for (const failure of deliveryFailures) {
      let outcome: string;
      try {
        outcome = await recordDeliveryFailure(this.dataSource, failure, pass.ageSeconds);
      } catch (err) {
        if (isTransientError(err) || (err instanceof PlatformError && err.retryable)) throw err;
        const error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : 'unknown error';
        this.logger.error({ channel: failure.channel, eventId: event.id, err }, 'platform delivery failure could not be recorded');
        failures.push({ externalId: failure.platformMessageId.slice(0, 200), error });
        outcome = 'failed';
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    return {
      ignored,
      outcomes,
      ...(failures.length ? { failures } : {}),
      ...(pass.mediaPending ? { mediaPending: pass.mediaPending, mediaError: pass.mediaError } : {}),
    };
  }

  private async handle(item: SocialItem, pass: Pass): Promise<string> {
    const externalId = item.externalId.slice(0, 998);
    // A WhatsApp message of a citizen anonymised since is stored under its pseudonym
    // (core-personal-data: pseudonymousWamid(), bare; ':<message id>' after it only when another
    // message already had the bare one, which is then found): Meta redelivering it is a duplicate,
    // not a new citizen and ticket with the person's data again.
    const candidates = item.channel === 'whatsapp' && externalId.startsWith('wamid.') ? [externalId, pseudonymousWamid(externalId)] : [externalId];
    const [known]: Array<{ id: string; media_pending: boolean }> = await this.dataSource.query(
      `SELECT m.id, EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id AND a.omitted AND a.omitted_reason = $3) AS media_pending
       FROM messages m WHERE m.channel = $1 AND m.external_id = ANY($2::varchar[]) ORDER BY m.external_id = $4 DESC, m.id LIMIT 1`,
      [item.channel, candidates, MEDIA_PENDING_REASON, externalId],
    );
    if (known) return known.media_pending ? this.fetchPendingMedia(item, String(known.id), pass) : 'duplicate';
    // an edit of a message we have: its files are already on the thread, only the new text is news
    const media = item.editOf && (await this.originalTicket(this.dataSource.manager, item)) ? [] : item.media;
    const attachments: InboundAttachment[] = [];
    for (const [index, ref] of media.entries()) attachments.push(await this.fetchMedia(item, ref, index, pass));
    const result = await this.dataSource.transaction(async (manager) => {
      // one sender at a time: two quick messages from one person end in one ticket
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`social-sender:${item.channel}:${item.userId}`]);
      // an edit goes on the ticket of the message it corrects, marked, never acknowledged; an edit
      // of a message we never got (nor have under this id) is a message like any other
      const original = item.editOf ? await this.originalTicket(manager, item) : null;
      const inbound = this.toInbound(item, attachments, original !== null);
      inbound.threadTicketId = original ?? (await this.findThreadTicket(manager, inbound));
      inbound.deferDuplicateSearch = true; // background intake: searched after the commit
      return this.intake.receiveIn(manager, inbound);
    });
    this.intake.count(item.channel, result);
    return result.outcome;
  }

  /**
   * The citizen's most recent ticket on this channel (followed through merges by the intake, which
   * also decides append / resume / reopen within REOPEN_WINDOW_DAYS / new linked ticket). A rejected
   * ticket (spam, out of competence) is not continued.
   */
  private async findThreadTicket(manager: EntityManager, inbound: InboundMessage): Promise<string | null> {
    const identity = inbound.sender.identities.find((i) => i.kind === inbound.channel);
    if (!identity) return null;
    const rows: Array<{ id: string }> = await manager.query(
      `SELECT t.id FROM citizen_identities i
         JOIN citizens c ON c.id = i.citizen_id
         JOIN tickets t ON t.citizen_id = COALESCE(c.merged_into_id, c.id)
       WHERE i.kind = $1 AND i.value = $2 AND t.channel = $3 AND t.forwarded_by_id IS NULL
         AND (t.status <> 'rejected' OR t.merged_into_id IS NOT NULL)
       ORDER BY t.created_at DESC, t.id DESC LIMIT 1`,
      [identity.kind, identity.value, inbound.channel],
    );
    return rows[0] ? String(rows[0].id) : null;
  }

  /** The ticket of the citizen's message an edit corrects, when we have that message. */
  private async originalTicket(manager: EntityManager, item: SocialItem): Promise<string | null> {
    if (!item.editOf) return null;
    const rows: Array<{ ticket_id: string }> = await manager.query(
      `SELECT ticket_id FROM messages WHERE channel = $1 AND external_id = $2 AND direction = 'inbound' ORDER BY id LIMIT 1`,
      [item.channel, item.editOf.slice(0, 998)],
    );
    return rows[0] ? String(rows[0].ticket_id) : null;
  }

  private toInbound(item: SocialItem, attachments: InboundAttachment[], editOfKnown = false): InboundMessage {
    const identities: ContactIdentity[] = [];
    if (item.channel === 'whatsapp') {
      const e164 = /^\d{8,15}$/.test(item.userId) ? normalizePhone(`+${item.userId}`) : null;
      identities.push({ kind: 'whatsapp', value: e164 ?? item.userId, handle: item.handle, displayName: item.name });
      if (e164) identities.push({ kind: 'phone', value: e164 });
    } else {
      identities.push({ kind: item.channel, value: item.userId, handle: item.handle, displayName: item.name });
    }
    const now = Date.now();
    const receivedAt = item.timestamp.getTime() > now + FUTURE_SKEW_MS ? new Date(now) : item.timestamp;
    const loc = item.location;
    return {
      channel: item.channel,
      externalId: item.externalId,
      receivedAt,
      sender: { name: item.name, identities: normalizeIdentities(identities) },
      // staff see that it corrects an earlier message of the thread
      text: editOfKnown ? `${EDITED_MARK} ${item.text}` : item.text,
      attachments,
      ...(editOfKnown ? { unacknowledged: true, correction: true } : {}),
      ticket: loc
        ? { latitude: clamp(loc.latitude, 90), longitude: clamp(loc.longitude, 180), address: leftCodePoints([loc.name, loc.address].filter(Boolean).join(', '), 500) || undefined }
        : undefined,
      meta: {
        platform: { channel: item.channel, userId: item.userId, businessId: item.businessId, sentAt: item.timestamp.toISOString() },
        ...(loc ? { location: loc } : {}),
        ...(item.editOf ? { editOf: item.editOf } : {}),
      },
    };
  }

  /**
   * A file of a message not stored yet. A transient failure: while the delivery is young the
   * whole delivery is retried (the message waits for its file); later the message goes in with
   * the file pending (fetched at the next attempts), and once the retry window is over without it.
   */
  private async fetchMedia(item: SocialItem, ref: MediaRef, index: number, pass: Pass): Promise<InboundAttachment> {
    const got = await this.download(item, ref, index);
    if (!('retry' in got)) return got;
    if (textWaitsForMedia(pass.ageSeconds, pass.attempts)) throw got.retry; // the whole event is retried
    const name = mediaBaseName(ref, index);
    if (keepRetryingMedia(pass.ageSeconds, pass.attempts)) {
      this.notePending(pass, got.retry);
      this.logger.warn({ channel: item.channel, error: got.retry.message.slice(0, 200) }, 'media download failing; message stored, the file is fetched later');
      return { filename: name, contentType: 'application/octet-stream', size: ref.size ?? 0, content: null, omittedReason: MEDIA_PENDING_REASON };
    }
    this.logger.warn({ channel: item.channel, error: got.retry.message.slice(0, 200) }, 'media download gave up; message kept without it');
    return { filename: name, contentType: 'application/octet-stream', size: 0, content: null, omittedReason: MEDIA_GIVEN_UP_REASON };
  }

  /**
   * The files of an already stored message that are still pending: each one found (by its name)
   * is downloaded into its attachment row; one still failing transiently stays pending while the
   * retry window lasts, and is recorded as not downloadable after it.
   */
  private async fetchPendingMedia(item: SocialItem, messageId: string, pass: Pass): Promise<string> {
    const rows: Array<{ id: string; filename: string }> = await this.dataSource.query(
      `SELECT id, filename FROM attachments WHERE message_id = $1 AND omitted AND omitted_reason = $2 ORDER BY created_at, id`,
      [messageId, MEDIA_PENDING_REASON],
    );
    const giveUp = !keepRetryingMedia(pass.ageSeconds, pass.attempts);
    let added = 0;
    let pending = 0;
    for (const [index, ref] of item.media.entries()) {
      const at = rows.findIndex((r) => r.filename === mediaBaseName(ref, index));
      if (at < 0) continue;
      const [row] = rows.splice(at, 1);
      const got = await this.download(item, ref, index);
      if ('retry' in got && !giveUp) {
        pending += 1;
        this.notePending(pass, got.retry);
        continue;
      }
      const file: InboundAttachment =
        'retry' in got ? { filename: row.filename, contentType: 'application/octet-stream', size: 0, content: null, omittedReason: MEDIA_GIVEN_UP_REASON } : got;
      // only while still pending: an erasure (ARCO) or another instance may have changed it meanwhile
      await this.dataSource.query(
        `UPDATE attachments SET filename = $2, content_type = $3, size_bytes = $4, sha256 = $5, content = $6, omitted = $7, omitted_reason = $8
         WHERE id = $1 AND omitted AND omitted_reason = $9`,
        [
          row.id,
          leftCodePoints(file.filename, 255),
          file.contentType.slice(0, 127),
          String(file.size),
          file.content ? createHash('sha256').update(file.content).digest('hex') : null,
          file.content,
          file.content === null,
          file.content === null ? (file.omittedReason ?? MEDIA_GIVEN_UP_REASON) : null,
          MEDIA_PENDING_REASON,
        ],
      );
      if (file.content) added += 1;
      else if ('retry' in got) this.logger.warn({ channel: item.channel, error: got.retry.message.slice(0, 200) }, 'media download gave up; message kept without it');
    }
    // pending rows no file of the delivery names any more cannot be fetched
    for (const row of rows) {
      await this.dataSource.query(`UPDATE attachments SET omitted_reason = $2 WHERE id = $1 AND omitted AND omitted_reason = $3`, [row.id, MEDIA_GIVEN_UP_REASON, MEDIA_PENDING_REASON]);
    }
    if (added) this.logger.log({ channel: item.channel, messageId, files: added }, 'media downloaded after the message was stored');
    return pending ? 'media_pending' : added ? 'media_added' : 'media_given_up';
  }

  private notePending(pass: Pass, err: Error): void {
    pass.mediaPending += 1;
    pass.mediaError = `${err.name}: ${err.message}`.slice(0, 300);
  }

  /** The file, or why it is omitted; `retry` when the failure is worth trying again later. */
  private async download(item: SocialItem, ref: MediaRef, index: number): Promise<InboundAttachment | RetryableDownload> {
    const max = this.config.attachmentMaxBytes;
    const baseName = mediaBaseName(ref, index);
    const omitted = (reason: string, size = 0): InboundAttachment => ({ filename: baseName, contentType: 'application/octet-stream', size, content: null, omittedReason: reason });
    if (ref.size && ref.size > max) return omitted('supera el tamaño máximo permitido', ref.size);
    try {
      const file =
        ref.source.type === 'telegram_file' ? await this.telegram.download(ref.source.fileId, max) : await this.graph.download(ref.source, max);
      const check = await inspectMedia(file.content, isAllowedPlatformMime);
      if (!check.ok) return omitted(check.reason, file.content.length);
      // the extension of what the bytes are, never the sender's own (`foto.html` holding a GIF is `foto.gif`)
      const stem = baseName.replace(/\.[^.]*$/, '').trim() || `${MEDIA_LABELS[ref.kind]}-${index + 1}`;
      const filename = `${stem}.${check.ext}`;
      return { filename, contentType: check.mime, size: file.content.length, content: file.content };
    } catch (err) {
      if (err instanceof MediaTooLargeError) return omitted('supera el tamaño máximo permitido', err.size ?? 0);
      if (err instanceof PlatformError && err.retryable) return { retry: err };
      this.logger.warn({ channel: item.channel, error: (err as Error).message.slice(0, 200) }, 'media download failed for good; message kept without it');
      return omitted(MEDIA_GIVEN_UP_REASON);
    }
  }
}

/** The name a file is stored under before its type is known (and the pending row is found by). */
function mediaBaseName(ref: MediaRef, index: number): string {
  return safeName(ref.filename) ?? `${MEDIA_LABELS[ref.kind]}-${index + 1}`;
}

function clamp(v: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, v));
}

function safeName(name: string | null | undefined): string | null {
  const cleaned = name == null ? null : leftCodePoints(name.replace(/[/\\\p{Cc}]/gu, '_').trim(), 200);
  return cleaned || null;
}
