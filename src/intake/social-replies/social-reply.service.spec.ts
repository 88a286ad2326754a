import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import type { Message } from '../../tickets/message.entity';
import type { TicketHooks } from '../../tickets/ticket-hooks';
import type { Ticket } from '../../tickets/ticket.entity';
import { SocialReplyService } from './social-reply.service';

/** A manager that records what the service writes. */
function fakeManager() {
  const saved: Array<Record<string, unknown>> = [];
  const queries: Array<{ sql: string; params: unknown[] }> = [];
  const inserted: Array<Record<string, unknown>> = [];
  const manager = {
    create: (_entity: unknown, values: Record<string, unknown>) => values,
    save: async (_entity: unknown, values: Record<string, unknown>) => {
      const row = { ...values, id: String(100 + saved.length) };
      saved.push(row);
      return row;
    },
    query: async (sql: string, params: unknown[] = []) => {
      queries.push({ sql, params });
      return [];
    },
    insert: async (_entity: unknown, values: Record<string, unknown>) => {
      inserted.push(values);
      return {};
    },
  } as unknown as EntityManager;
  return { manager, saved, queries, inserted };
}

describe('SocialReplyService: the acknowledgement of a new ticket', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));
  const service = new SocialReplyService({ register: jest.fn() } as unknown as TicketHooks, { publicBaseUrl: 'https://enlace.test/' } as AppConfig);
  const enqueue = jest.fn();
  service.setQueue({ enqueue });
  const ticket = (over: Partial<Ticket>) => ({ id: '7', folio: 'SLP-2026-000123', channel: 'x', forwardedById: null, publicToken: 'tok-en_123', ...over }) as Ticket;
  const inbound = { createdAt: new Date('2030-01-01T00:00:00Z'), meta: { forwarded: { url: 'https://x.com/i/status/1', authorHandle: '@vecina' } } } as unknown as Message;

  it('a forwarded report: the same text with the tokened status link, handed to the press office as a manual reply', async () => {
    for (const channel of ['x', 'whatsapp', 'other']) {
      const { manager, saved, queries, inserted } = fakeManager();
      await service.onTicketChange(manager, { type: 'created', ticket: ticket({ channel: channel as Ticket['channel'], forwardedById: 'press-1' }), message: inbound, automated: false });
      expect(saved).toHaveLength(1);
      expect(saved[0]).toEqual(
        expect.objectContaining({
          direction: 'outbound',
          channel,
          public: false,
          meta: { automatic: true, notification: 'acknowledgement' },
          bodyText:
            'Recibimos su reporte. Su folio es SLP-2026-000123.\nConsulte el avance de su reporte en: https://enlace.test/seguimiento/SLP-2026-000123?token=tok-en_123\n' +
            `Aviso de privacidad: https://enlace.test/aviso-de-privacidad\n${String(saved[0].bodyText).split('\n')[3]}`,
        }),
      );
      // after the forwarded message on the thread
      expect((saved[0].createdAt as Date).getTime()).toBeGreaterThan(inbound.createdAt.getTime());
      const manual = queries.find((q) => q.sql.includes('meta = meta ||'));
      expect(manual?.params[0]).toBe('100');
      expect(JSON.parse(manual?.params[1] as string)).toEqual({
        manualReply: 'pending',
        manualReplyReason: 'acuse de un reporte reenviado por Comunicación Social: entregue el folio al ciudadano en la red (https://x.com/i/status/1)',
      });
      expect(inserted).toEqual([expect.objectContaining({ ticketId: '7', type: 'manual_reply_needed', data: expect.objectContaining({ messageId: '100' }) })]);
    }
    expect(enqueue).not.toHaveBeenCalled();
  });

  it('an automated message makes no acknowledgement; an email or captured ticket none from here', async () => {
    for (const t of [ticket({ forwardedById: 'press-1' }), ticket({ channel: 'email' }), ticket({ channel: 'phone' })]) {
      const { manager, saved } = fakeManager();
      await service.onTicketChange(manager, { type: 'created', ticket: t, message: null, automated: t.channel === 'x' });
      expect(saved).toEqual([]);
    }
  });
});
