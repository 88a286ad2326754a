// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';
import { OutboxService } from '../../src/notifications/outbox.service';
import { OutboxTransports, OutboxUnavailableError } from '../../src/notifications/outbox-transports';
import { OutboxWorker } from '../../src/notifications/outbox-worker';

jest.setTimeout(60_000);

/**
 * OUTBOX_MAX_ATTEMPTS counts the attempts the other side refused, not the rounds in which it could
 * not be reached: after a long outage a mail still gets its full number of tries.
 * The worker is run by hand (OUTBOX_WORKER=false) through a transport registered for the test.
 */
describe('outbox: when a notification is given up', () => {
  let t: TestApp;
  let worker: OutboxWorker;
  let ticketId: string;

  beforeAll(async () => {
    t = await startTestApp({ OUTBOX_WORKER: 'false', OUTBOX_MAX_ATTEMPTS: '3' });
    worker = t.app.get(OutboxWorker);
    t.app.get(OutboxTransports).register('telegram', {
      async send(row) {
        if (row.payload.mode === 'down') throw new OutboxUnavailableError('connect ECONNREFUSED');
        if (row.payload.mode === 'greylist') throw new Error('451 4.7.1 try again later');
        return {};
      },
    });
    const r = await t.app.get(IntakeService).receive({
      channel: 'telegram',
      externalId: `upd-give-up-${Date.now()}`,
      sender: { name: 'Luis', identities: [{ kind: 'telegram', value: '778' }] },
      text: 'Fuga de agua',
    });
    ticketId = r.ticketId;
    await worker.runOnce(); // the ticket's own acknowledgement goes out
  });
  afterAll(() => t.close());

  const enqueue = (mode: string) =>
    t.db.transaction(async (manager) => {
      const [m] = await manager.query(
        `INSERT INTO messages (ticket_id, direction, channel, body_text, public) VALUES ($1, 'outbound', 'telegram', $2, true) RETURNING id`,
        [ticketId, `respuesta ${mode}`],
      );
      const row = await t.app.get(OutboxService).enqueue(manager, { channel: 'telegram', kind: 'reply', recipient: '778', payload: { mode }, ticketId, messageId: String(m.id) });
      return row.id;
    });
  /** one worker round with the row due now (the backoff is not what is tested here) */
  const round = async (id: string) => {
    await t.db.query(`UPDATE outbox SET next_attempt_at = now() WHERE id = $1`, [id]);
    await worker.runOnce();
    return (await t.db.query(`SELECT state, attempts, unavailable_rounds FROM outbox WHERE id = $1`, [id]))[0];
  };

  it('gives up after OUTBOX_MAX_ATTEMPTS refusals', async () => {
    const id = await enqueue('greylist');
    expect(await round(id)).toEqual({ state: 'queued', attempts: 1, unavailable_rounds: 0 });
    expect(await round(id)).toEqual({ state: 'queued', attempts: 2, unavailable_rounds: 0 });
    expect(await round(id)).toEqual({ state: 'failed', attempts: 3, unavailable_rounds: 0 });
  });

  it('does not count the rounds of an outage: after it, the mail still gets its full number of tries', async () => {
    const id = await enqueue('down');
    for (let i = 1; i <= 5; i++) expect(await round(id)).toEqual({ state: 'queued', attempts: i, unavailable_rounds: i });
    // the server is back, and refuses for a while (greylisting)
    await t.db.query(`UPDATE outbox SET payload = '{"mode": "greylist"}' WHERE id = $1`, [id]);
    expect(await round(id)).toEqual({ state: 'queued', attempts: 6, unavailable_rounds: 5 });
    expect(await round(id)).toEqual({ state: 'queued', attempts: 7, unavailable_rounds: 5 });
    expect(await round(id)).toEqual({ state: 'failed', attempts: 8, unavailable_rounds: 5 });
  });
});
