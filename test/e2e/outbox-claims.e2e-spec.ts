// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';
import { OutboxService } from '../../src/notifications/outbox.service';
import { OutboxTransports } from '../../src/notifications/outbox-transports';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import type { RunningApp } from '../../src/bootstrap';
import { startAppOnDatabase } from '../support/app-on-database';
import { SmtpSink, waitFor } from '../support/smtp-sink';

jest.setTimeout(60_000);

const smtpEnv = (port: number) => ({
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(port),
  MAIL_FROM: 'Atención Ciudadana <atencionciudadana@sanluis.gob.mx>',
  SMTP_TIMEOUT_MS: '5000',
});

/** `n` new email reports from `n` different citizens, one after another: each queues an acknowledgement. */
async function produce(intake: IntakeService, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    await intake.receive({
      channel: 'email',
      externalId: `<${tag}.${i}@correo.mx>`,
      sender: { name: `Ciudadana ${i}`, identities: [{ kind: 'email', value: `${tag}.${i}@correo.mx` }] },
      subject: `Reporte ${i}: fuga de agua`,
      text: 'Hay una fuga.',
    });
  }
}

interface OutboxState {
  id: string;
  external_id: string;
  state: string;
  attempts: number;
  locked_by: string | null;
  locked_until: Date | null;
}

const outboxRows = async (t: TestApp): Promise<OutboxState[]> =>
  t.db.query(
    `SELECT id::text AS id, external_id, state, attempts, locked_by, locked_until FROM outbox WHERE channel = 'email' ORDER BY id`,
  );

/**
 * One claim covers a whole batch, but its rows are sent one after another: a row whose turn comes
 * after the lease ran out may have been claimed by another instance meanwhile. Its first claimant
 * must then leave it alone (two senders = a duplicate mail).
 */
describe('outbox claims (real SMTP server on loopback)', () => {
  it('does not send a row of its batch that another worker claimed before its turn', async () => {
    const sink = await SmtpSink.start();
    // the worker is run by hand: one round, one lane, the three rows in one claim
    const t = await startTestApp({
      ...smtpEnv(sink.port),
      OUTBOX_WORKER: 'false',
      OUTBOX_BATCH_SIZE: '3',
      OUTBOX_CONCURRENCY: '1',
    });
    try {
      await produce(t.app.get(IntakeService), 3, 'relevo');
      const [first, second, third] = await outboxRows(t);
      let takenOver: string[] = [];
      sink.hooks.onMessage = async (m) => {
        if (m.messageId !== first.external_id) return undefined;
        // while the first mail is being sent, the second row's lease runs out and another
        // instance claims it (through the same claim() every worker uses)
        await t.db.query(`UPDATE outbox SET locked_until = now() - interval '1 second' WHERE id = $1`, [second.id]);
        const taken = await t.app.get(OutboxService).claim(['email'], 10, 'otra-instancia.1', 300);
        takenOver = taken.map((r) => r.id);
        return undefined;
      };

      expect(await t.app.get(OutboxWorker).runOnce()).toBe(3);

      expect(takenOver).toEqual([second.id]);
      // the first worker sent its own rows, not the one it lost
      expect(sink.delivered.map((m) => m.messageId)).toEqual([first.external_id, third.external_id]);
      const after = await outboxRows(t);
      expect(after.map((r) => [r.id, r.state])).toEqual([
        [first.id, 'sent'],
        [second.id, 'queued'],
        [third.id, 'sent'],
      ]);
      // untouched: still the other instance's, to send once
      expect(after[1]).toMatchObject({ locked_by: 'otra-instancia.1', attempts: 2 });
      expect(after[1].locked_until!.getTime()).toBeGreaterThan(Date.now() + 250_000);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('on shutdown starts no new send, hands back the unsent rows at once and finishes the send in flight', async () => {
    const sink = await SmtpSink.start();
    const t = await startTestApp({ OUTBOX_WORKER: 'false' }); // this instance only produces
    const env = {
      ...smtpEnv(sink.port),
      OUTBOX_POLL_MS: '50',
      OUTBOX_BATCH_SIZE: '5',
      OUTBOX_CONCURRENCY: '1',
      // the default lease (300 s): rows left under it would wait five minutes
    };
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let arrivals = 0;
    let b: RunningApp | undefined;
    let c: RunningApp | undefined;
    let closing: Promise<void> | undefined;
    try {
      await produce(t.app.get(IntakeService), 5, 'cierre');
      // the first mail's 250 waits until the instance has been told to stop
      sink.hooks.onMessage = async () => {
        if (++arrivals === 1) await gate;
        return undefined;
      };
      b = await startAppOnDatabase(t.running.databaseUrl, env);
      await waitFor('the first mail at the sink', () => arrivals === 1);
      const claimed = await outboxRows(t);
      expect(claimed.every((r) => r.locked_by !== null)).toBe(true); // one batch of five

      closing = b.close(); // what SIGTERM does (src/main.ts)
      await waitFor(
        'the four unsent rows handed back',
        async () => (await outboxRows(t)).filter((r) => r.locked_by === null).length === 4,
        5000,
      );
      openGate();
      await closing;
      b = undefined;

      expect(arrivals).toBe(1); // nothing was started after the stop
      const after = await outboxRows(t);
      expect(after[0]).toMatchObject({ state: 'sent', attempts: 1 }); // the send in flight finished and was recorded
      for (const r of after.slice(1)) {
        // never tried: free at once, and the claim's attempt taken back
        expect(r).toMatchObject({ state: 'queued', attempts: 0, locked_by: null, locked_until: null });
      }

      // another instance takes them at once, not after the 300 s lease
      sink.hooks = {};
      c = await startAppOnDatabase(t.running.databaseUrl, env);
      await waitFor('five rows sent', async () => (await outboxRows(t)).every((r) => r.state === 'sent'), 10000);
      const counts = sink.countsByMessageId();
      expect(sink.delivered).toHaveLength(5);
      expect([...counts.keys()].sort()).toEqual(after.map((r) => r.external_id).sort());
    } finally {
      openGate();
      await closing?.catch(() => undefined);
      await b?.close();
      await c?.close();
      await t.close();
      await sink.close();
    }
  });
});

/**
 * A send that does not settle within half the lease is abandoned (not cancelled: it may still reach
 * the server). That counts as an attempt, so such a row gives up after OUTBOX_MAX_ATTEMPTS instead
 * of being retried — and perhaps delivered — without end, as a round the server was down would be.
 */
describe('outbox: a send that times out', () => {
  it('counts towards OUTBOX_MAX_ATTEMPTS', async () => {
    // lease 1 s: a send may take 0.5 s (no SMTP here, so no SMTP_TIMEOUT_MS to leave room for)
    const t = await startTestApp({ OUTBOX_WORKER: 'false', OUTBOX_MAX_ATTEMPTS: '2', OUTBOX_LEASE_SECONDS: '1' });
    try {
      const worker = t.app.get(OutboxWorker);
      t.app.get(OutboxTransports).register('telegram', {
        send(row) {
          if (row.payload.mode === 'hang') return new Promise(() => undefined); // never answers
          return Promise.resolve({});
        },
      });
      const { ticketId } = await t.app.get(IntakeService).receive({
        channel: 'telegram',
        externalId: `upd-timeout-${Date.now()}`,
        sender: { name: 'Rosa', identities: [{ kind: 'telegram', value: '991' }] },
        text: 'Poste caído',
      });
      await worker.runOnce(); // the ticket's own acknowledgement goes out
      const id = await t.db.transaction(async (manager) => {
        const [m] = await manager.query(
          `INSERT INTO messages (ticket_id, direction, channel, body_text, public) VALUES ($1, 'outbound', 'telegram', 'respuesta', true) RETURNING id`,
          [ticketId],
        );
        const row = await t.app.get(OutboxService).enqueue(manager, {
          channel: 'telegram',
          kind: 'reply',
          recipient: '991',
          payload: { mode: 'hang' },
          ticketId,
          messageId: String(m.id),
        });
        return row.id;
      });
      const round = async () => {
        await t.db.query(`UPDATE outbox SET next_attempt_at = now() WHERE id = $1`, [id]);
        await worker.runOnce();
        return (
          await t.db.query(`SELECT state, attempts, unavailable_rounds, last_error FROM outbox WHERE id = $1`, [id])
        )[0];
      };
      expect(await round()).toMatchObject({ state: 'queued', attempts: 1, unavailable_rounds: 0, last_error: expect.stringMatching(/sin respuesta en/) });
      expect(await round()).toMatchObject({
        state: 'failed',
        attempts: 2,
        unavailable_rounds: 0,
        last_error: expect.stringMatching(/^se dejó de intentar tras 2 intentos \(límite 2\): sin respuesta en/),
      });
    } finally {
      await t.close();
    }
  });
});
