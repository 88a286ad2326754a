// the app first: it loads the entities in an order their circular imports accept
import { startTestApp, TestApp } from '../support/test-app';
import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import { IntakeService } from '../../src/intake/intake.service';
import { AnonymisationService } from '../../src/personal-data/anonymisation.service';

type Auth = { auth: Record<string, string>; user: { id: string } };

describe('citizen records and personal data: merges, concurrent intake, anonymisation limits, ARCO export', () => {
  let t: TestApp;
  let agent: Auth;
  let supervisor: Auth;

  beforeAll(async () => {
    t = await startTestApp();
    agent = await t.user('agent');
    supervisor = await t.user('supervisor');
  });
  afterAll(() => t.close());

  const capture = async (citizen: Record<string, string>, extra: Record<string, unknown> = {}) => {
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .send({ subject: 'Bache en la calle', description: 'Un bache profundo frente al número 12', channel: 'phone', citizen, ...extra })
      .expect(201);
    return { folio: res.body.folio as string, citizenId: res.body.citizen.id as string };
  };
  const anonymise = (citizenId: string) =>
    t.http().post(`/api/v1/citizens/${citizenId}/anonymise`).set(supervisor.auth).send({ reason: 'Solicitud ARCO de cancelación' });

  describe('merge', () => {
    it('refuses (409) to merge a record into an anonymised one, or an anonymised one into another, and moves nothing', async () => {
      const gone = await capture({ name: 'Renata Borrada Solís', email: 'renata.borrada@correo-prueba.mx' });
      await anonymise(gone.citizenId).expect(200);
      const live = await capture({ name: 'Renata Viva Solís', email: 'renata.viva@correo-prueba.mx', phone: '444 321 0099' });

      const into = await t.http().post(`/api/v1/citizens/${live.citizenId}/merge`).set(agent.auth).send({ intoCitizenId: gone.citizenId }).expect(409);
      expect(into.body).toMatchObject({ statusCode: 409, code: 'CONFLICT', message: 'Target citizen data was anonymised' });
      const from = await t.http().post(`/api/v1/citizens/${gone.citizenId}/merge`).set(agent.auth).send({ intoCitizenId: live.citizenId }).expect(409);
      expect(from.body).toMatchObject({ statusCode: 409, code: 'CONFLICT', message: 'Citizen data was anonymised' });

      const owners = await t.db.query(
        `SELECT c.id, c.merged_into_id, (SELECT count(*)::int FROM citizen_identities i WHERE i.citizen_id = c.id) AS identities,
                (SELECT count(*)::int FROM tickets x WHERE x.citizen_id = c.id) AS tickets
         FROM citizens c WHERE c.id = ANY($1) ORDER BY c.created_at`,
        [[gone.citizenId, live.citizenId]],
      );
      expect(owners).toEqual([
        { id: gone.citizenId, merged_into_id: null, identities: 1, tickets: 1 },
        { id: live.citizenId, merged_into_id: null, identities: 2, tickets: 1 },
      ]);
      // the live record can still be anonymised; the other still refuses a second time
      await anonymise(live.citizenId).expect(200);
      await anonymise(gone.citizenId).expect(409);
    });
  });

  describe('a message that arrives while its citizen is anonymised or merged', () => {
    const mail = (email: string, n: string) =>
      t.app.get(IntakeService).receive({
        channel: 'email',
        externalId: `<${n}@correo-prueba.mx>`,
        sender: { name: 'Ofelia Carrasco Núñez', identities: [{ kind: 'email', value: email }] },
        subject: 'Otra luminaria apagada',
        text: `Escribo desde ${email}: la luminaria de la esquina sigue apagada.`,
      });
    const citizenOf = async (ticketId: string) => String((await t.db.query(`SELECT citizen_id FROM tickets WHERE id = $1`, [ticketId]))[0].citizen_id);

    it('lands on a new citizen, not on the record an anonymisation committed meanwhile', async () => {
      const email = 'ofelia.carrasco@correo-prueba.mx';
      const old = await capture({ name: 'Ofelia Carrasco Núñez', email });
      // the anonymisation (ARCO or retention) has locked and rewritten the record, not committed yet
      const r = await whileHeld(
        t.db,
        (qr) => t.app.get(AnonymisationService).anonymiseIn(qr.manager, old.citizenId, { reason: 'Plazo de conservación vencido', actorUserId: null }),
        () => mail(email, 'carrera-anonimizacion'),
      );
      const now = await citizenOf(r.ticketId);
      expect(now).not.toBe(old.citizenId);
      // the new record owns the real address (the next message finds it); the old one only placeholders
      const identities = await t.db.query(`SELECT citizen_id, kind, value FROM citizen_identities WHERE citizen_id = ANY($1) ORDER BY value`, [[old.citizenId, now]]);
      expect(identities).toEqual([
        { citizen_id: old.citizenId, kind: 'email', value: expect.stringMatching(/^anonimizado-/) },
        { citizen_id: now, kind: 'email', value: email },
      ]);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM tickets WHERE citizen_id = $1`, [old.citizenId])).toEqual([{ n: 1 }]);
      const [fresh] = await t.db.query(`SELECT name, anonymised_at FROM citizens WHERE id = $1`, [now]);
      expect(fresh).toEqual({ name: 'Ofelia Carrasco Núñez', anonymised_at: null });
      expect(await citizenOf((await mail(email, 'despues-anonimizacion')).ticketId)).toBe(now);
    });

    it('lands on the record a merge committed meanwhile went into, not on the merged one', async () => {
      const email = 'hector.duplicado@correo-prueba.mx';
      const dup = await capture({ name: 'Héctor Duplicado', email });
      const survivor = await capture({ name: 'Héctor Sobreviviente', phone: '444 700 1122' });
      // what merge() writes, held open
      const r = await whileHeld(
        t.db,
        async (qr) => {
          await qr.query(`SELECT id FROM citizens WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [[dup.citizenId, survivor.citizenId]]);
          await qr.query(`UPDATE citizen_identities SET citizen_id = $2 WHERE citizen_id = $1`, [dup.citizenId, survivor.citizenId]);
          await qr.query(`UPDATE tickets SET citizen_id = $2 WHERE citizen_id = $1`, [dup.citizenId, survivor.citizenId]);
          await qr.query(`UPDATE citizens SET merged_into_id = $2 WHERE id = $1`, [dup.citizenId, survivor.citizenId]);
        },
        () => mail(email, 'carrera-fusion'),
      );
      expect(await citizenOf(r.ticketId)).toBe(survivor.citizenId);
    });
  });

  describe('two first contacts of one person at once', () => {
    it('keeps the phone a staff capture brought when a mail from the same email claimed the email first', async () => {
      const email = 'teodoro.simultaneo@correo-prueba.mx';
      // the mail's intake: a new citizen with the email, not committed yet
      const mailCitizen = randomUUID();
      const captured = await whileHeld(
        t.db,
        async (qr) => {
          await qr.query(`INSERT INTO citizens (id) VALUES ($1)`, [mailCitizen]);
          await qr.query(`INSERT INTO citizen_identities (citizen_id, kind, value) VALUES ($1, 'email', $2)`, [mailCitizen, email]);
        },
        () => capture({ name: 'Teodoro Simultáneo Ríos', email, phone: '444 812 3456' }),
      );
      expect(captured.citizenId).toBe(mailCitizen);
      const identities = await t.db.query(`SELECT kind, value FROM citizen_identities WHERE citizen_id = $1 ORDER BY kind`, [mailCitizen]);
      expect(identities).toEqual([
        { kind: 'email', value: email },
        { kind: 'phone', value: '+524448123456' },
      ]);
      // the capture's name goes with it; its own record is gone
      expect((await t.db.query(`SELECT name FROM citizens WHERE id = $1`, [mailCitizen]))[0].name).toBe('Teodoro Simultáneo Ríos');
      expect(await t.db.query(`SELECT count(*)::int AS n FROM citizens WHERE name = 'Teodoro Simultáneo Ríos'`)).toEqual([{ n: 1 }]);
      // the next call from that phone finds the same person
      const byPhone = await capture({ phone: '444 812 3456' });
      expect(byPhone.citizenId).toBe(mailCitizen);
    });
  });

  describe('anonymising values at their column limit', () => {
    // short identifiers: each placeholder is longer than what it replaces
    const P = { name: 'Lupe Ávila Rangel', email: 'lu@cp.mx', phone: '444 876 5432' };
    /** `text` padded with dots to exactly `width` characters */
    const atLimit = (text: string, width: number) => `${text} ${'.'.repeat(width - text.length - 1)}`;
    const lengths = (sql: string, params: unknown[]) => t.db.query(sql, params);

    it('cuts redacted ticket, message and event fields to their columns instead of failing (22001)', async () => {
      const { folio, citizenId } = await capture(
        { name: P.name, email: P.email, phone: P.phone },
        {
          subject: atLimit(`Reporta ${P.email} y ${P.email}, de ${P.name}`, 300),
          address: atLimit(`Casa de ${P.name}, ${P.name}, ${P.name}`, 500),
        },
      );
      const [{ id: ticketId }] = await t.db.query(`SELECT id FROM tickets WHERE folio = $1`, [folio]);
      await t.http().post(`/api/v1/tickets/${folio}/notes`).set(agent.auth).send({ body: `Llamar a ${P.name}` }).expect(201);
      await t.db.query(`UPDATE tickets SET rejection_reason = $2 WHERE id = $1`, [ticketId, atLimit(`Duplicado de ${P.email} ${P.email}`, 500)]);
      await t.db.query(
        `UPDATE messages SET subject = $2, external_id = $3 WHERE ticket_id = $1 AND direction = 'inbound'`,
        [ticketId, atLimit(`Re: ${P.email} ${P.email} ${P.email}`, 500), atLimit(`wamid.4448765432.4448765432`, 998)],
      );
      await t.db.query(`UPDATE messages SET author_name = $2 WHERE ticket_id = $1 AND direction = 'note'`, [ticketId, 'Lupe '.repeat(40).trim()]);
      await t.db.query(`UPDATE ticket_events SET reason = $2 WHERE ticket_id = $1 AND type = 'created'`, [ticketId, atLimit(`Alta por ${P.email} ${P.email}`, 1000)]);

      await anonymise(citizenId).expect(200);

      const [ticket] = await lengths(
        `SELECT subject, char_length(subject) AS s, char_length(address) AS a, char_length(rejection_reason) AS r FROM tickets WHERE id = $1`,
        [ticketId],
      );
      expect(ticket).toMatchObject({ s: 300, a: 500, r: 500 });
      expect(ticket.subject).toMatch(/^Reporta \[correo eliminado\] y \[correo eliminado\], de \[nombre eliminado\] \.+$/);
      const messages = await lengths(
        `SELECT id, direction, external_id, char_length(subject) AS s, char_length(external_id) AS x, author_name FROM messages WHERE ticket_id = $1 AND direction <> 'outbound' ORDER BY id`,
        [ticketId],
      );
      expect(messages[0]).toMatchObject({ direction: 'inbound', s: 500, x: 998 });
      expect(messages[0].external_id).toMatch(new RegExp(`^wamid\\.\\[teléfono eliminado\\]\\.\\[teléfono eliminado\\] \\.+:${messages[0].id}$`));
      expect(messages[1].direction).toBe('note');
      expect(messages[1].author_name).toBe('[nombre eliminado] '.repeat(11).slice(0, 200));
      const [event] = await lengths(`SELECT char_length(reason) AS r FROM ticket_events WHERE ticket_id = $1 AND type = 'created'`, [ticketId]);
      expect(event.r).toBe(1000);
      expect(JSON.stringify(await t.db.query(`SELECT * FROM tickets t JOIN messages m ON m.ticket_id = t.id WHERE t.id = $1`, [ticketId]))).not.toMatch(/lu@cp\.mx|Lupe|4448765432/);
    });

    it('cuts redacted intake log and quarantined mail fields to their columns instead of failing (22001)', async () => {
      const email = 'lu@cq.mx';
      const { folio, citizenId } = await capture({ name: 'Lupe Bravo', email });
      const [{ id: ticketId }] = await t.db.query(`SELECT id FROM tickets WHERE folio = $1`, [folio]);
      const [log] = await t.db.query(
        `INSERT INTO intake_log (channel, external_id, from_address, subject, decision, reason, ticket_id)
         VALUES ('email', $1, $2, $3, 'created', $4, $5) RETURNING id`,
        [atLimit(`<${email}.${email}>`, 998), email, atLimit(`De ${email} ${email}`, 500), atLimit(`nuevo reporte de ${email} ${email}`, 500), ticketId],
      );
      const [failure] = await t.db.query(
        `INSERT INTO intake_failures (channel, external_id, from_address, subject, error, raw, raw_size)
         VALUES ('email', $1, $2, $3, $4, 'x', 1) RETURNING id`,
        [atLimit(`<${email}.${email}>`, 998), email, atLimit(`De ${email} ${email}`, 500), atLimit(`no se pudo leer el correo de ${email} ${email}`, 2000)],
      );

      await anonymise(citizenId).expect(200);

      const [l] = await t.db.query(
        `SELECT from_address, char_length(subject) AS s, char_length(reason) AS r, char_length(external_id) AS x FROM intake_log WHERE id = $1`,
        [log.id],
      );
      expect(l).toEqual({ from_address: '[correo eliminado]', s: 500, r: 500, x: 998 });
      const [f] = await t.db.query(
        `SELECT from_address, char_length(subject) AS s, char_length(error) AS e, char_length(external_id) AS x, raw FROM intake_failures WHERE id = $1`,
        [failure.id],
      );
      expect(f).toEqual({ from_address: '[correo eliminado]', s: 500, e: 2000, x: 998, raw: null });
    });
  });

  describe('ARCO export', () => {
    it("leaves out who wrote, and what, each inbound message of someone else on the citizen's tickets; keeps the citizen's own and ours", async () => {
      const citizenEmail = 'marisol.exporta@correo-prueba.mx';
      const own = await capture({ name: 'Marisol Exporta Luna', email: citizenEmail });
      const [{ id: ticketId }] = await t.db.query(`SELECT id FROM tickets WHERE folio = $1`, [own.folio]);
      await t.http().post(`/api/v1/tickets/${own.folio}/replies`).set(agent.auth).send({ body: 'Gracias, Marisol: mañana pasa la cuadrilla.' }).expect(201);
      const intake = t.app.get(IntakeService);
      // a neighbour in copy answers our mail
      await intake.receive({
        channel: 'email',
        externalId: '<vecino-1@correo-prueba.mx>',
        sender: { name: 'Cirilo Vecino Pardo', identities: [{ kind: 'email', value: 'cirilo.pardo@correo-prueba.mx' }] },
        subject: 'Re: Bache en la calle (Cirilo Pardo)',
        text: 'Soy Cirilo Pardo, vecino del 14; mi celular es 444 999 0001.',
        html: '<p>Soy Cirilo Pardo</p>',
        threadTicketId: ticketId,
        fromThirdParty: true,
        attachments: [{ filename: 'foto-de-cirilo.png', contentType: 'image/png', size: 3, content: Buffer.from('png') }],
      });
      // the citizen of a duplicate merged into this ticket writes on her own (merged) report
      const dup = await capture({ name: 'Bárbara Duplicada Ortiz', email: 'barbara.dup@correo-prueba.mx' });
      const [{ id: dupId }] = await t.db.query(`SELECT id FROM tickets WHERE folio = $1`, [dup.folio]);
      await t.http().post(`/api/v1/tickets/${dup.folio}/merge`).set(supervisor.auth).send({ intoFolio: own.folio }).expect(200);
      await intake.receive({
        channel: 'email',
        externalId: '<barbara-1@correo-prueba.mx>',
        sender: { name: 'Bárbara Duplicada Ortiz', identities: [{ kind: 'email', value: 'barbara.dup@correo-prueba.mx' }] },
        text: 'Soy Bárbara, ¿qué pasó con mi reporte?',
        threadTicketId: dupId,
      });
      // the citizen herself
      await intake.receive({
        channel: 'email',
        externalId: '<marisol-2@correo-prueba.mx>',
        sender: { name: 'Marisol Exporta Luna', identities: [{ kind: 'email', value: citizenEmail }] },
        text: 'Sigue el bache, Marisol.',
        threadTicketId: ticketId,
      });

      const res = await t.http().get(`/api/v1/citizens/${own.citizenId}/export`).set(supervisor.auth).expect(200);
      const [ticket] = res.body.tickets;
      expect(ticket.folio).toBe(own.folio);
      const messages: Array<Record<string, unknown>> = ticket.messages;
      const inbound = messages.filter((m) => m.direction === 'inbound');
      expect(inbound).toHaveLength(4);
      // hers: the capture and her reply, whole
      expect(inbound[0]).toMatchObject({ authorName: 'Marisol Exporta Luna', bodyText: 'Un bache profundo frente al número 12', attachments: [] });
      expect(inbound[3]).toMatchObject({ authorName: 'Marisol Exporta Luna', bodyText: 'Sigue el bache, Marisol.' });
      // the neighbour's and the duplicate's citizen's: that a message came, nothing of it
      for (const other of [inbound[1], inbound[2]]) {
        expect(other).toEqual({
          id: expect.anything(),
          direction: 'inbound',
          channel: 'email',
          public: false,
          createdAt: expect.any(String),
          thirdParty: true,
          omitted: true,
          omittedReason: 'mensaje de un tercero',
        });
      }
      // ours to her, whole
      expect(messages.find((m) => m.direction === 'outbound' && m.bodyText === 'Gracias, Marisol: mañana pasa la cuadrilla.')).toBeDefined();
      const text = JSON.stringify(res.body);
      for (const needle of ['Cirilo', 'cirilo.pardo', '999 0001', 'foto-de-cirilo', 'Bárbara', 'barbara.dup']) expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: false });
    });
  });
});

/** Waits until a session of this test database waits for a lock (the concurrent work reached the point under test). */
async function waitForLockWait(db: DataSource, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }]: Array<{ n: number }> = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (n > 0) return;
    if (Date.now() > until) throw new Error('no session waited for a lock');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs `hold` in a transaction of its own, starts `concurrent` (on another connection), waits until
 * that waits for a lock, then commits: `concurrent` goes on against what `hold` committed.
 */
async function whileHeld<T>(db: DataSource, hold: (qr: QueryRunner) => Promise<unknown>, concurrent: () => Promise<T>): Promise<T> {
  const qr = db.createQueryRunner();
  await qr.connect();
  let pending: Promise<T>;
  try {
    await qr.startTransaction();
    await hold(qr);
    pending = concurrent();
    pending.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
    await waitForLockWait(db);
    await qr.commitTransaction();
  } finally {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    await qr.release();
  }
  return pending;
}
