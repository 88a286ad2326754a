import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../../src/intake/inbound-message';
import { IntakeService } from '../../src/intake/intake.service';
import { startTestApp, TestApp } from '../support/test-app';

describe('IntakeService (real PostgreSQL)', () => {
  let t: TestApp;
  let intake: IntakeService;
  let agent: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ REOPEN_WINDOW_DAYS: '30' });
    intake = t.app.get(IntakeService);
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  const msg = (over: Partial<InboundMessage> = {}): InboundMessage => ({
    channel: 'email',
    externalId: `<${randomUUID()}@correo.mx>`,
    sender: { name: 'Rosa Martínez', identities: [{ kind: 'email', value: 'rosa.martinez@correo.mx' }] },
    subject: 'Basura sin recoger',
    text: 'Desde hace una semana no pasa el camión de la basura por la calle Zaragoza.',
    ...over,
  });

  const count = async (sql: string, params: unknown[] = []) => (await t.db.query(sql, params))[0].n as number;

  it('creates a ticket with the citizen and the first message', async () => {
    const r = await intake.receive(msg());
    expect(r.outcome).toBe('created');
    expect(r.folio).toMatch(/^SLP-\d{4}-\d{6}$/);
    const ticket = (await t.http().get(`/api/v1/tickets/${r.folio}`).set(agent).expect(200)).body;
    expect(ticket.channel).toBe('email');
    expect(ticket.subject).toBe('Basura sin recoger');
    expect(ticket.citizen.name).toBe('Rosa Martínez');
    expect(ticket.thread.map((m: { direction: string }) => m.direction)).toEqual(['inbound', 'outbound']);
    expect(ticket.thread[1].author).toEqual({ kind: 'system' });
    expect(ticket.thread[1].subject).toBe(`[${r.folio}] Recibimos su reporte: Basura sin recoger`);
  });

  it('is idempotent on channel + external id, also under concurrent deliveries', async () => {
    const m = msg();
    const results = await Promise.all(Array.from({ length: 8 }, () => intake.receive(m)));
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(7);
    expect(new Set(results.map((r) => r.folio)).size).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [m.externalId])).toBe(1);
    // the same id on another channel is a different message
    const other = await intake.receive({ ...m, channel: 'whatsapp' });
    expect(other.outcome).toBe('created');
  });

  it('keeps one citizen when two first messages from a new sender race', async () => {
    const sender = { name: 'Pedro', identities: [{ kind: 'email' as const, value: 'pedro.nuevo@correo.mx' }] };
    const [a, b] = await Promise.all([intake.receive(msg({ sender })), intake.receive(msg({ sender }))]);
    expect(a.outcome).toBe('created');
    expect(b.outcome).toBe('created');
    expect(await count(`SELECT count(DISTINCT citizen_id)::int AS n FROM citizen_identities WHERE value = 'pedro.nuevo@correo.mx'`)).toBe(1);
    const owners = await t.db.query(`SELECT DISTINCT citizen_id FROM tickets WHERE folio = ANY($1)`, [[a.folio, b.folio]]);
    expect(owners).toHaveLength(1);
    expect(await count(`SELECT count(*)::int AS n FROM citizens WHERE name = 'Pedro'`)).toBe(1);
  });

  async function ticketIn(status: string, closedDaysAgo?: number) {
    const r = await intake.receive(msg());
    await t.db.query(
      `UPDATE tickets SET status = $2, closed_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END WHERE id = $1`,
      [r.ticketId, status, closedDaysAgo ?? null],
    );
    return r;
  }

  it('appends a reply without moving an in_progress ticket', async () => {
    const first = await ticketIn('in_progress');
    const r = await intake.receive(msg({ threadTicketId: first.ticketId, text: 'Sigue igual' }));
    expect(r).toMatchObject({ outcome: 'appended', folio: first.folio });
    const d = (await t.http().get(`/api/v1/tickets/${first.folio}`).set(agent)).body;
    expect(d.status).toBe('in_progress');
    expect(d.thread.map((m: { bodyText: string }) => m.bodyText)).toContain('Sigue igual');
    expect(d.events.map((e: { type: string }) => e.type)).toContain('message_received');
  });

  it.each(['waiting_citizen', 'resolved'])('moves a %s ticket back to in_progress on a citizen reply', async (status) => {
    const first = await ticketIn(status);
    const r = await intake.receive(msg({ threadTicketId: first.ticketId }));
    expect(r.outcome).toBe('appended');
    const d = (await t.http().get(`/api/v1/tickets/${first.folio}`).set(agent)).body;
    expect(d.status).toBe('in_progress');
    const ev = d.events.find((e: { toStatus: string; fromStatus: string }) => e.fromStatus === status && e.toStatus === 'in_progress');
    expect(ev.actor.kind).toBe('citizen');
  });

  it.each(['resolved', 'closed'])('records automatic mail on a %s ticket without moving it', async (status) => {
    const first = await ticketIn(status, 1);
    const r = await intake.receive(msg({ threadTicketId: first.ticketId, automated: true, text: 'Respuesta automática' }));
    expect(r.outcome).toBe('appended');
    const d = (await t.http().get(`/api/v1/tickets/${first.folio}`).set(agent)).body;
    expect(d.status).toBe(status);
  });

  it('reopens a closed ticket within the window', async () => {
    const first = await ticketIn('closed', 10);
    const r = await intake.receive(msg({ threadTicketId: first.ticketId }));
    expect(r).toMatchObject({ outcome: 'appended', folio: first.folio });
    const d = (await t.http().get(`/api/v1/tickets/${first.folio}`).set(agent)).body;
    expect(d.status).toBe('in_progress');
    expect(d.reopenedCount).toBe(1);
    expect(d.closedAt).toBeNull();
  });

  it('opens a new ticket linked to the old one after the window', async () => {
    const first = await ticketIn('closed', 45);
    const r = await intake.receive(msg({ threadTicketId: first.ticketId, text: 'Volvió a pasar' }));
    expect(r.outcome).toBe('created_linked');
    expect(r.folio).not.toBe(first.folio);
    const d = (await t.http().get(`/api/v1/tickets/${r.folio}`).set(agent)).body;
    expect(d.linkedTo).toBe(first.folio);
    const old = (await t.http().get(`/api/v1/tickets/${first.folio}`).set(agent)).body;
    expect(old.status).toBe('closed');
    expect(old.events.find((e: { type: string }) => e.type === 'linked').data.newFolio).toBe(r.folio);
  });

  it('follows a merged ticket to the survivor', async () => {
    const a = await intake.receive(msg());
    const b = await intake.receive(msg());
    const sup = (await t.user('supervisor')).auth;
    await t.http().post(`/api/v1/tickets/${b.folio}/merge`).set(sup).send({ intoFolio: a.folio }).expect(200);
    const r = await intake.receive(msg({ threadTicketId: b.ticketId }));
    expect(r.folio).toBe(a.folio);
  });

  it('strips NUL bytes and caps huge bodies', async () => {
    const r = await intake.receive(msg({ subject: 'Con\u0000nulo', text: `inicio\u0000${'x'.repeat(300_000)}` }));
    const rows = await t.db.query(`SELECT body_text, subject FROM messages WHERE id = $1`, [r.messageId]);
    expect(rows[0].body_text.includes('\u0000')).toBe(false);
    expect(rows[0].body_text.length).toBe(200_000);
    expect(rows[0].subject).toBe('Connulo');
  });

  it('stores attachments, recording omitted ones without content', async () => {
    const r = await intake.receive(
      msg({
        attachments: [
          { filename: 'foto.jpg', contentType: 'image/jpeg', size: 4, content: Buffer.from([0xff, 0xd8, 0xff, 0xe0]) },
          { filename: 'video.mp4', contentType: 'video/mp4', size: 50_000_000, content: null, omittedReason: 'excede el tamaño máximo' },
        ],
      }),
    );
    const d = (await t.http().get(`/api/v1/tickets/${r.folio}`).set(agent)).body;
    expect(d.thread[0].attachments).toEqual([
      expect.objectContaining({ filename: 'foto.jpg', omitted: false, sizeBytes: 4 }),
      expect.objectContaining({ filename: 'video.mp4', omitted: true, omittedReason: 'excede el tamaño máximo' }),
    ]);
  });
  it('writes a new ticket row once, with its first message already in the thread search', async () => {
    // a test-only trigger records every UPDATE of a ticket row (the thread search used to rewrite
    // each new ticket, all of its index entries included, when its first message arrived)
    await t.db.query(`CREATE TABLE IF NOT EXISTS test_ticket_updates (ticket_id bigint NOT NULL)`);
    await t.db.query(`CREATE OR REPLACE FUNCTION test_record_ticket_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_ticket_updates VALUES (NEW.id); RETURN NULL; END $$`);
    await t.db.query(`CREATE OR REPLACE TRIGGER test_ticket_updates AFTER UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION test_record_ticket_update()`);
    try {
      const email = `lucia.${randomUUID().slice(0, 8)}@correo.mx`;
      const sender = { name: 'Lucía', identities: [{ kind: 'email' as const, value: email }] };
      const first = await intake.receive(
        msg({ sender, subject: 'Hundimiento', text: 'Se hundió el pavimento junto al hidrómetro.\n\nEl lun escribió:\n> citado antiguo', textNew: 'Se hundió el pavimento junto al hidrómetro.' }),
      );
      const updates = async () => count(`SELECT count(*)::int AS n FROM test_ticket_updates WHERE ticket_id = $1`, [first.ticketId]);
      expect(await updates()).toBe(0);
      const search = async (q: string) =>
        (await t.http().get('/api/v1/tickets').query({ q }).set(agent).expect(200)).body.items.map((i: { folio: string }) => i.folio);
      expect(await search('hidrometro')).toContain(first.folio);

      // a reply from the citizen adds its words: one write; words of the first message and of the
      // reply found together, as before
      const reply = await intake.receive(msg({ sender, subject: `Re: [${first.folio}] Hundimiento`, text: 'Ya se formó un socavón enorme.', threadTicketId: first.ticketId }));
      expect(reply.outcome).toBe('appended');
      const searchWrites = await count(
        `SELECT count(*)::int AS n FROM test_ticket_updates u JOIN tickets t ON t.id = u.ticket_id WHERE t.id = $1 AND t.messages_search @@ to_tsquery('spanish', 'socavon')`,
        [first.ticketId],
      );
      expect(searchWrites).toBeGreaterThan(0);
      expect(await search('hidrometro socavon')).toContain(first.folio);
      // a message without words (an emoji, punctuation) adds nothing: the row is not rewritten for it
      const before = await updates();
      await t.db.query(`INSERT INTO messages (ticket_id, direction, channel, body_text, public) VALUES ($1, 'inbound', 'email', '👍 ¡¡!!', true)`, [first.ticketId]);
      expect(await updates()).toBe(before);
      // the quoted history of the first mail stays out of the thread search, as before
      expect(await search('citado antiguo')).not.toContain(first.folio);
    } finally {
      await t.db.query(`DROP TRIGGER IF EXISTS test_ticket_updates ON tickets`);
    }
  });
});
