import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import type { MetaGraphClient } from '../social/meta-graph.client';
import { PlatformError } from '../social/platform-errors';
import type { TelegramClient } from '../social/telegram.client';
import { SocialReplySender } from './social-reply.sender';
import type { SocialReplyPayload } from './social-reply-payload';

/** A messages row kept in memory: what the sender reads and writes of it. */
function setup(leaseSeconds: number, sendMs: number) {
  const row: { delivery_state: string | null; meta: Record<string, unknown> } = { delivery_state: 'queued', meta: {} };
  let now = 1_000_000;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  const query = jest.fn(async (sql: string, params: unknown[]) => {
    if (sql.startsWith('SELECT')) return [{ delivery_state: row.delivery_state, platform_message_id: row.meta.platformMessageId ?? null, parts: row.meta.platformParts ?? null }];
    if (sql.includes('meta = meta ||')) Object.assign(row.meta, JSON.parse(params[1] as string));
    if (sql.includes(`delivery_state = 'sent'`)) row.delivery_state = 'sent';
    return [];
  });
  const texts: string[] = [];
  const telegram = {
    sendText: async (_chat: string, text: string) => {
      now += sendMs;
      texts.push(text);
      return { externalId: String(texts.length) };
    },
  };
  const sender = new SocialReplySender(
    { query, transaction: jest.fn() } as unknown as DataSource,
    {} as MetaGraphClient,
    telegram as unknown as TelegramClient,
    { outbox: { leaseSeconds } } as AppConfig,
  );
  return { sender, row, texts };
}

const payload = (text: string): SocialReplyPayload => ({ kind: 'social_reply', channel: 'telegram', recipientId: '77', businessId: null, text, messageId: '5', ticketId: '9' });
const long = Array.from({ length: 12 }, (_, i) => `${i + 1}. ${'Se atendió el reporte. '.repeat(80).trim()}`).join('\n\n'); // ~1,850 characters a paragraph

describe('SocialReplySender: replies in parts', () => {
  afterEach(() => jest.restoreAllMocks());

  it('stops starting parts once half the outbox lease is nearly spent, and the next attempt goes on from there', async () => {
    // lease 300 s: parts start during the first 125 s; each takes 60 s here
    const { sender, row, texts } = setup(300, 60_000);
    const err = await sender.send(payload(long)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).retryable).toBe(true);
    expect((err as PlatformError).message).toBe('respuesta enviada en parte: 3 de 6 partes; el resto se enviará en el siguiente intento');
    expect(texts).toHaveLength(3);
    expect(row.meta.platformParts).toEqual({ total: 6, sent: ['77:1', '77:2', '77:3'] });
    expect(row.delivery_state).toBe('queued');
    await expect(sender.send(payload(long))).resolves.toEqual({ externalId: '77:1' });
    expect(texts).toHaveLength(6);
    expect(new Set(texts).size).toBe(6);
    expect(row.delivery_state).toBe('sent');
    expect(row.meta.platformParts).toEqual({ total: 6, sent: ['77:1', '77:2', '77:3', '77:4', '77:5', '77:6'] });
  });

  it('always sends at least one part per attempt, even with a short lease', async () => {
    const { sender, texts } = setup(4, 60_000);
    await expect(sender.send(payload(long))).rejects.toBeInstanceOf(PlatformError);
    expect(texts).toHaveLength(1);
  });

  it('sends a reply within the limit as one message, as before', async () => {
    const { sender, row, texts } = setup(300, 100);
    await expect(sender.send(payload('Ya enviamos una cuadrilla.'))).resolves.toEqual({ externalId: '77:1' });
    expect(texts).toEqual(['Ya enviamos una cuadrilla.']);
    expect(row.meta).toEqual({ platformMessageId: '77:1' });
  });
});
