// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from './test-app';
import { Message } from '../../src/tickets/message.entity';
import { TicketHooks } from '../../src/tickets/ticket-hooks';
import { Ticket } from '../../src/tickets/ticket.entity';
import { FakePlatforms } from './fake-platforms';
import { settleSocialQueue } from './settle-social-queue';
import { META_APP_SECRET, signed, TELEGRAM_SECRET } from './social-payloads';

/** An app wired to the fake Meta and Telegram APIs, outbox worker off (tests run it by hand). */
export async function startSocialReplyApp(): Promise<{ t: TestApp; fake: FakePlatforms }> {
  const fake = await new FakePlatforms().start();
  const t = await startTestApp({
    META_APP_SECRET,
    META_ACCESS_TOKEN: fake.accessToken,
    META_GRAPH_URL: fake.graphUrl,
    TELEGRAM_SECRET_TOKEN: TELEGRAM_SECRET,
    TELEGRAM_BOT_TOKEN: fake.botToken,
    TELEGRAM_API_URL: fake.url,
    OUTBOX_WORKER: 'false',
  });
  return { t, fake };
}

/** Delivers a signed webhook body, lets the queue settle, and returns the ticket of the newest message. */
export async function inbound(t: TestApp, body: unknown, platform: 'meta' | 'telegram' = 'meta'): Promise<Ticket> {
  if (platform === 'meta') {
    const s = signed(body);
    await t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', s.signature).send(s.raw).expect(200);
  } else {
    await t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json').set('X-Telegram-Bot-Api-Secret-Token', TELEGRAM_SECRET).send(JSON.stringify(body)).expect(200);
  }
  await settleSocialQueue(t);
  const [row] = await t.db.query(`SELECT ticket_id FROM messages ORDER BY id DESC LIMIT 1`);
  return (await t.db.getRepository(Ticket).findOneBy({ id: String(row.ticket_id) }))!;
}

/** What POST /tickets/{folio}/replies does: an outbound public message and a `reply` change, in one transaction. */
export async function agentReply(t: TestApp, ticket: Ticket, text: string): Promise<Message> {
  const { user } = await t.user('agent');
  return t.db.transaction(async (manager) => {
    const message = await manager.save(
      Message,
      manager.create(Message, { ticketId: ticket.id, direction: 'outbound', channel: ticket.channel, authorUserId: user.id, bodyText: text, public: true }),
    );
    await t.app.get(TicketHooks).emit(manager, { type: 'reply', ticket, message, notifyCitizen: true });
    return message;
  });
}
