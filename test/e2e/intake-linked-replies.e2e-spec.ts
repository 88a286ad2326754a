import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../../src/intake/inbound-message';
import { IntakeService } from '../../src/intake/intake.service';
import { startTestApp, TestApp } from '../support/test-app';
import { imapEnv, type MailSpec, newMailboxUser, TestMailbox } from '../support/imap-test';
import { type IntakeLogRow, ourEmailOn, sendMail } from '../support/mailbox-intake';

type LogRow = IntakeLogRow;

jest.setTimeout(60_000);

/** The citizen `from`'s reply to the old thread of `ticketId`, as the email channel hands it to the intake. */
const replyTo = (ticketId: string | null, from: string, text: string): InboundMessage => ({
  channel: 'email',
  externalId: `<${randomUUID()}@correo.example.mx>`,
  sender: { name: null, identities: [{ kind: 'email', value: from }] },
  subject: 'Re: Su reporte fue atendido',
  text,
  threadTicketId: ticketId,
});

/**
 * Replies to the thread of a ticket closed outside REOPEN_WINDOW_DAYS: the first opens a ticket
 * linked to it; later ones from the same citizen continue that linked ticket (one ticket, one
 * acknowledgement), however many arrive and even at the same moment.
 */
describe('replies to an old closed thread go onto the ticket linked to it (real Dovecot, real PostgreSQL)', () => {
  let t: TestApp;
  let box: TestMailbox;
  let intake: IntakeService;
  const user = newMailboxUser();

  beforeAll(async () => {
    box = new TestMailbox(user);
    t = await startTestApp(imapEnv(user, { MAIL_FROM: 'notificaciones@sanluis.gob.mx', REOPEN_WINDOW_DAYS: '30', MAIL_ACK_RATE_LIMIT: '100' }));
    intake = t.app.get(IntakeService);
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
  });

  const send = async (spec: MailSpec): Promise<LogRow> => (await sendMail(t, box, spec)).log;

  const ourMessage = (ticketId: string) => ourEmailOn(t, ticketId, 'Su reporte fue atendido');

  async function ticket(id: string | null) {
    const [row] = await t.db.query(`SELECT * FROM tickets WHERE id = $1`, [id]);
    return row;
  }


  const closeDaysAgo = (id: string | null, days: number) =>
    t.db.query(`UPDATE tickets SET status = 'closed', closed_at = now() - make_interval(days => $2) WHERE id = $1`, [id, days]);
  const linkedTo = async (id: string | null): Promise<string[]> =>
    (await t.db.query(`SELECT id FROM tickets WHERE linked_ticket_id = $1 ORDER BY id`, [id])).map((r: { id: string }) => String(r.id));
  const inboundTexts = async (id: string | null): Promise<string[]> =>
    (await t.db.query(`SELECT body_text FROM messages WHERE ticket_id = $1 AND direction = 'inbound' ORDER BY id`, [id])).map((r: { body_text: string }) =>
      r.body_text.trim(),
    );

  /** A citizen's ticket closed `days` ago, and one of our mails on it to reply to. */
  async function oldClosed(from: string, days = 90): Promise<{ log: LogRow; notification: string }> {
    const log = await send({ from, subject: 'Fuga de agua', text: 'Fuga de agua en la calle Reforma' });
    expect(log.decision).toBe('created');
    await closeDaysAgo(log.ticket_id, days);
    return { log, notification: await ourMessage(log.ticket_id!) };
  }

  it('the second reply to the same old notification goes on the linked ticket the first one opened: no second ticket, no acknowledgement', async () => {
    const from = 'ana.fuga@correo.example.mx';
    const old = await oldClosed(from);
    const first = await send({ from, inReplyTo: old.notification, subject: 'Re: Su reporte fue atendido', text: 'Otra vez la fuga' });
    expect(first).toMatchObject({ decision: 'created_linked', acknowledged: true });
    expect((await ticket(first.ticket_id)).linked_ticket_id).toBe(old.log.ticket_id);

    const second = await send({ from, inReplyTo: old.notification, subject: 'Re: Su reporte fue atendido', text: 'Les mando la foto' });
    expect(second).toMatchObject({ decision: 'appended', ticket_id: first.ticket_id, acknowledged: false });
    expect(await linkedTo(old.log.ticket_id)).toEqual([first.ticket_id]);
    expect(await inboundTexts(first.ticket_id)).toEqual(['Otra vez la fuga', 'Les mando la foto']);
    expect((await ticket(old.log.ticket_id)).status).toBe('closed');
    // one acknowledgement for the report and one for the linked ticket, none for the follow-up
    const [{ acks }] = await t.db.query(
      `SELECT count(*)::int AS acks FROM intake_log WHERE acknowledged AND ticket_id IN ($1, $2)`,
      [old.log.ticket_id, first.ticket_id],
    );
    expect(acks).toBe(2);

    // the usual effects of a reply on the linked ticket: waiting for the citizen → in progress
    await t.db.query(`UPDATE tickets SET status = 'waiting_citizen' WHERE id = $1`, [first.ticket_id]);
    const third = await send({ from, inReplyTo: old.notification, subject: 'Re: Su reporte fue atendido', text: 'Es en el número 120' });
    expect(third).toMatchObject({ decision: 'appended', ticket_id: first.ticket_id, acknowledged: false });
    expect((await ticket(first.ticket_id)).status).toBe('in_progress');
  });

  it('a closed linked ticket is reopened within the window, and outside it gets a linked ticket of its own', async () => {
    const from = 'beto.fuga@correo.example.mx';
    const old = await oldClosed(from);
    const reply = { from, inReplyTo: old.notification, subject: 'Re: Su reporte fue atendido' };
    const first = await send({ ...reply, text: 'Otra vez la fuga' });
    expect(first.decision).toBe('created_linked');

    await closeDaysAgo(first.ticket_id, 3);
    const reopened = await send({ ...reply, text: 'Volvió a salir agua' });
    expect(reopened).toMatchObject({ decision: 'appended', ticket_id: first.ticket_id, acknowledged: false });
    expect((await ticket(first.ticket_id)).status).toBe('in_progress');

    await closeDaysAgo(first.ticket_id, 60);
    const later = await send({ ...reply, text: 'Meses después, la fuga de nuevo' });
    expect(later.decision).toBe('created_linked');
    expect(later.ticket_id).not.toBe(first.ticket_id);
    expect((await ticket(later.ticket_id)).linked_ticket_id).toBe(first.ticket_id);
    expect(await linkedTo(old.log.ticket_id)).toEqual([first.ticket_id]);

    const after = await send({ ...reply, text: 'Y les mando la foto' });
    expect(after).toMatchObject({ decision: 'appended', ticket_id: later.ticket_id });
    expect(await linkedTo(first.ticket_id)).toEqual([later.ticket_id]);
  });

  it('a rejected linked ticket is not continued, and someone else\'s reply opens a ticket of their own', async () => {
    const from = 'carla.fuga@correo.example.mx';
    const old = await oldClosed(from);
    const reply = { inReplyTo: old.notification, subject: 'Re: Su reporte fue atendido' };
    const first = await send({ ...reply, from, text: 'Otra vez la fuga' });
    expect(first.decision).toBe('created_linked');

    const neighbour = await send({ ...reply, from: 'vecino@correo.example.mx', text: 'A mí también me afecta la fuga' });
    expect(neighbour.decision).toBe('created_linked');
    expect(neighbour.ticket_id).not.toBe(first.ticket_id);
    expect(await inboundTexts(first.ticket_id)).toEqual(['Otra vez la fuga']);

    await t.db.query(`UPDATE tickets SET status = 'rejected' WHERE id = $1`, [first.ticket_id]);
    const again = await send({ ...reply, from, text: 'Sigue la fuga, por favor atiendan' });
    expect(again.decision).toBe('created_linked');
    expect([first.ticket_id, neighbour.ticket_id]).not.toContain(again.ticket_id);
    expect((await ticket(again.ticket_id)).linked_ticket_id).toBe(old.log.ticket_id);
  });

  it('replies processed at the same moment in separate transactions make one linked ticket', async () => {
    const from = 'dora.fuga@correo.example.mx';
    const old = await oldClosed(from);
    const results = await Promise.all(['Otra vez la fuga', 'Les mando la foto', 'Y otra foto', 'Es urgente'].map((text) => intake.receive(replyTo(old.log.ticket_id, from, text))));
    expect(results.map((r) => r.outcome).sort()).toEqual(['appended', 'appended', 'appended', 'created_linked']);
    const linked = await linkedTo(old.log.ticket_id);
    expect(linked).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticketId))).toEqual(new Set(linked));
    expect(results.filter((r) => r.acknowledgement?.queued)).toHaveLength(1);
    expect(await inboundTexts(linked[0])).toHaveLength(4);
  });

  it('two replies lined up to decide at the same instant still make one linked ticket', async () => {
    const from = 'elsa.fuga@correo.example.mx';
    const old = await oldClosed(from);
    const { citizen_id: citizenId } = await ticket(old.log.ticket_id);
    // hold the sender's citizen row: both deliveries stop looking up their sender, before either
    // looks at the old ticket; let go once both wait, so they reach the threading decision together
    const holder = t.db.createQueryRunner();
    await holder.connect();
    let results: Awaited<ReturnType<IntakeService['receive']>>[];
    try {
      await holder.startTransaction();
      await holder.query(`SELECT 1 FROM citizens WHERE id = $1 FOR UPDATE`, [citizenId]);
      const pending = Promise.all(
        ['Otra vez la fuga', 'Les mando la foto'].map((text) =>
          intake.receive(replyTo(old.log.ticket_id, from, text)),
        ),
      );
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (n >= 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await holder.commitTransaction();
      results = await pending;
    } finally {
      await holder.release();
    }
    expect(results.map((r) => r.outcome).sort()).toEqual(['appended', 'created_linked']);
    expect(await linkedTo(old.log.ticket_id)).toHaveLength(1);
    expect(results[0].ticketId).toBe(results[1].ticketId);
  });
});
