import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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
import { MediaTooLargeError, PlatformError } from './platform-errors';
import { cleanItem, MEDIA_LABELS, type MediaRef, type SocialItem } from './social-item';
import { TelegramClient } from './telegram.client';

export interface ClaimedEvent {
  id: string;
  platform: 'meta' | 'telegram';
  body: Buffer;
  /** including the current one */
  attempts: number;
}

/** A media download that fails transiently is retried with the event this many times; then the text goes in without it. */
export const MEDIA_ATTEMPTS = 4;
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Turns one stored webhook delivery into intake calls: parse, skip what is already stored,
 * download and check media, find the thread, and call IntakeService.receiveIn.
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
    let ignored: Record<string, number>;
    if (event.platform === 'meta') {
      ({ items, ignored } = parseMetaDelivery(json));
    } else {
      const r = parseTelegramUpdate(json);
      items = r.item ? [r.item] : [];
      ignored = r.ignored ? { [r.ignored]: 1 } : {};
    }
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
        outcome = await this.handle(item, event.attempts);
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
    return { ignored, outcomes, ...(failures.length ? { failures } : {}) };
  }

  private async handle(item: SocialItem, attempts: number): Promise<string> {
    const [known] = await this.dataSource.query(`SELECT 1 FROM messages WHERE channel = $1 AND external_id = $2 LIMIT 1`, [item.channel, item.externalId.slice(0, 998)]);
    if (known) return 'duplicate';
    const attachments: InboundAttachment[] = [];
    for (const [index, ref] of item.media.entries()) attachments.push(await this.fetchMedia(item, ref, index, attempts));
    const inbound = this.toInbound(item, attachments);
    const result = await this.dataSource.transaction(async (manager) => {
      // one sender at a time: two quick messages from one person end in one ticket
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`social-sender:${item.channel}:${item.userId}`]);
      inbound.threadTicketId = await this.findThreadTicket(manager, inbound);
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

  private toInbound(item: SocialItem, attachments: InboundAttachment[]): InboundMessage {
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
      text: item.text,
      attachments,
      ticket: loc
        ? { latitude: clamp(loc.latitude, 90), longitude: clamp(loc.longitude, 180), address: [loc.name, loc.address].filter(Boolean).join(', ').slice(0, 500) || undefined }
        : undefined,
      meta: {
        platform: { channel: item.channel, userId: item.userId, businessId: item.businessId, sentAt: item.timestamp.toISOString() },
        ...(loc ? { location: loc } : {}),
      },
    };
  }

  private async fetchMedia(item: SocialItem, ref: MediaRef, index: number, attempts: number): Promise<InboundAttachment> {
    const max = this.config.attachmentMaxBytes;
    const baseName = safeName(ref.filename) ?? `${MEDIA_LABELS[ref.kind]}-${index + 1}`;
    const omitted = (reason: string, size = 0): InboundAttachment => ({ filename: baseName, contentType: 'application/octet-stream', size, content: null, omittedReason: reason });
    if (ref.size && ref.size > max) return omitted('excede el tamaño máximo', ref.size);
    try {
      const file =
        ref.source.type === 'telegram_file' ? await this.telegram.download(ref.source.fileId, max) : await this.graph.download(ref.source, max);
      const check = await inspectMedia(file.content, isAllowedPlatformMime);
      if (!check.ok) return omitted(check.reason, file.content.length);
      const filename = baseName.includes('.') ? baseName : `${baseName}.${check.ext}`;
      return { filename, contentType: check.mime, size: file.content.length, content: file.content };
    } catch (err) {
      if (err instanceof MediaTooLargeError) return omitted('excede el tamaño máximo', err.size ?? 0);
      if (err instanceof PlatformError && err.retryable && attempts < MEDIA_ATTEMPTS) throw err; // the whole event is retried
      this.logger.warn({ channel: item.channel, error: (err as Error).message.slice(0, 200) }, 'media download gave up; message kept without it');
      return omitted('no se pudo descargar el archivo');
    }
  }
}

function clamp(v: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, v));
}

function safeName(name: string | null | undefined): string | null {
  const cleaned = name?.replace(/[/\\\p{Cc}]/gu, '_').trim().slice(0, 200);
  return cleaned || null;
}
