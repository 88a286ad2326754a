// the app first: it loads the entities in an order their circular imports accept
import { startTestApp, TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';
import { PersonalDataRegistry } from '../../src/personal-data/personal-data-registry';
import { RetentionService } from '../../src/personal-data/retention.service';
import { findTextInDatabase, listTables } from '../support/find-in-database';

const PERSON = {
  name: 'Guadalupe Zavala Ortiz',
  email: 'lupita.zavala@correo-prueba.mx',
  phone: '444 987 6543',
  e164: '+524449876543',
  handle: 'lupita_zav_slp',
  messengerId: '7712345098765',
};
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('personal data: privacy notice, ARCO export and anonymisation, access trail, retention', () => {
  let t: TestApp;
  let admin: { auth: Record<string, string>; user: { id: string } };
  let supervisor: { auth: Record<string, string>; user: { id: string } };
  let agent: { auth: Record<string, string>; user: { id: string } };

  beforeAll(async () => {
    t = await startTestApp({ RETENTION_DAYS: '30' });
    admin = await t.user('admin');
    supervisor = await t.user('supervisor');
    agent = await t.user('agent');
  });
  afterAll(() => t.close());

  /** A citizen with everything: phone capture, a Messenger message with a photo, notes, a reply, a merged duplicate record. */
  async function citizenWithHistory(p = PERSON) {
    const captured = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .send({
        subject: `Fuga de agua reportada por ${p.name}`,
        description: `Me llamo ${p.name}, mi teléfono es ${p.phone} y mi correo ${p.email}. Hay una fuga frente a mi casa.`,
        channel: 'phone',
        address: `Casa de ${p.name}, Calle Zaragoza 120`,
        colonia: 'Centro',
        citizen: { name: p.name, email: p.email, phone: p.phone },
      })
      .expect(201);
    const folio: string = captured.body.folio;
    const citizenId: string = captured.body.citizen.id;
    const ticketId = String((await t.db.query(`SELECT id FROM tickets WHERE folio = $1`, [folio]))[0].id);
    await t.http().post(`/api/v1/tickets/${folio}/notes`).set(agent.auth).send({ body: `Llamé a ${p.name} al (444) 987-6543, confirma ${p.email}` }).expect(201);
    await t
      .http()
      .post(`/api/v1/tickets/${folio}/transitions`)
      .set(agent.auth)
      .send({ to: 'waiting_citizen', reason: `pedir foto a ${p.name}`, message: `Estimada ${p.name.split(' ')[0]}, ¿nos envía una foto?` })
      .expect(200);
    await t.app.get(IntakeService).receive({
      channel: 'messenger',
      externalId: `mid.${p.messengerId}.1`,
      sender: { name: p.name, identities: [{ kind: 'messenger', value: p.messengerId, handle: p.handle, displayName: p.name }] },
      text: `Aquí la foto. Escríbanme a ${p.email} o al +52 1 ${p.phone}. @${p.handle}`,
      html: `<p>Aquí la foto. <a href="mailto:${p.email}">${p.email}</a> — ${p.name.replace('í', '&iacute;')}</p>`,
      textNew: `Aquí la foto, ${p.name}`,
      threadTicketId: ticketId,
      attachments: [{ filename: `foto-${p.handle}.png`, contentType: 'image/png', size: PNG.length, content: PNG }],
      meta: { from: { id: p.messengerId, name: p.name }, psid: p.messengerId },
    });
    // the Messenger identity made a second citizen record; staff merge it into the first
    const other = await t.db.query(`SELECT citizen_id FROM citizen_identities WHERE kind = 'messenger' AND value = $1`, [p.messengerId]);
    if (other[0].citizen_id !== citizenId) {
      await t.http().post(`/api/v1/citizens/${other[0].citizen_id}/merge`).set(agent.auth).send({ intoCitizenId: citizenId }).expect(200);
    }
    return { folio, citizenId, ticketId };
  }

  describe('privacy notice', () => {
    it('serves the short and full notice as a Spanish HTML page outside /api/v1', async () => {
      const res = await t.http().get('/aviso-de-privacidad').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(res.text).toContain('<html lang="es-MX">');
      expect(res.text).toContain('Aviso de privacidad simplificado');
      expect(res.text).toContain('Aviso de privacidad integral');
      expect(res.text).toContain('Derechos ARCO');
      // when each notice last changed, as a date in Spanish ("26 de noviembre de 2026")
      expect(res.text).toMatch(/Fecha de última actualización: \d{1,2} de [a-z]+ de \d{4}<\/small>/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    });

    it('serves JSON at /api/v1/privacy-notice and to clients that ask for JSON', async () => {
      const res = await t.http().get('/api/v1/privacy-notice').expect(200);
      expect(res.body.url).toBe('https://enlace.test/aviso-de-privacidad');
      expect(res.body.simplificado.title).toBe('Aviso de privacidad simplificado');
      expect(res.body.integral.body).toMatch(/Responsable/);
      const negotiated = await t.http().get('/aviso-de-privacidad').set('Accept', 'application/json').expect(200);
      expect(negotiated.body.simplificado.title).toBe(res.body.simplificado.title);
      // one URL, two bodies: a shared cache (CDN, proxy) must key them by Accept
      expect(negotiated.headers.vary).toMatch(/\bAccept\b/);
    });

    it('lets an admin edit the text; HTML in it is shown escaped', async () => {
      await t
        .http()
        .put('/api/v1/privacy-notice/simplificado')
        .set(supervisor.auth)
        .send({ title: 'x', body: 'y' })
        .expect(403);
      const res = await t
        .http()
        .put('/api/v1/privacy-notice/simplificado')
        .set(admin.auth)
        .send({ title: 'Aviso breve <b>nuevo</b>', body: 'Texto nuevo del aviso.\n\n<script>alert("x")</script>' })
        .expect(200);
      expect(res.body.simplificado.title).toBe('Aviso breve <b>nuevo</b>');
      const page = await t.http().get('/aviso-de-privacidad').expect(200);
      expect(page.text).toContain('Aviso breve &lt;b&gt;nuevo&lt;/b&gt;');
      expect(page.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(page.text).not.toContain('<script>');
      await t.http().put('/api/v1/privacy-notice/otro').set(admin.auth).send({ title: 'x', body: 'y' }).expect(404);
      await t.http().put('/api/v1/privacy-notice/integral').set(admin.auth).send({ title: '', body: 'y' }).expect(400);
    });
  });

  describe('ARCO export', () => {
    it('returns identities, tickets, messages, attachments list and events of the citizen and its merged records', async () => {
      const { folio, citizenId } = await citizenWithHistory({ ...PERSON, name: 'Ernesto Exportación Pérez', email: 'export.ernesto@correo-prueba.mx', messengerId: '7712345000001', phone: '444 555 0101', handle: 'neto_exp' });
      await t.http().get(`/api/v1/citizens/${citizenId}/export`).set(agent.auth).expect(403);
      const res = await t.http().get(`/api/v1/citizens/${citizenId}/export`).set(supervisor.auth).expect(200);
      expect(res.body.citizen).toMatchObject({ id: citizenId, name: 'Ernesto Exportación Pérez' });
      expect(res.body.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual(
        ['email:export.ernesto@correo-prueba.mx', 'messenger:7712345000001', 'phone:+524445550101'].sort(),
      );
      expect(res.body.mergedRecords).toHaveLength(1);
      expect(res.body.tickets).toHaveLength(1);
      const ticket = res.body.tickets[0];
      expect(ticket.folio).toBe(folio);
      expect(ticket.messages.map((m: { direction: string }) => m.direction)).toEqual(['inbound', 'outbound', 'note', 'outbound', 'inbound']);
      const photo = ticket.messages[4].attachments[0];
      expect(photo).toMatchObject({ contentType: 'image/png', sizeBytes: PNG.length, omitted: false });
      expect(photo.content).toBeUndefined();
      expect(ticket.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['created', 'note_added', 'status_changed', 'message_received']));
      await t.http().get(`/api/v1/citizens/00000000-0000-4000-8000-000000000000/export`).set(supervisor.auth).expect(404);
      await t.http().get(`/api/v1/citizens/not-a-uuid/export`).set(supervisor.auth).expect(400);
    });
  });

  describe('anonymisation', () => {
    let subject: { folio: string; citizenId: string; ticketId: string };
    let before: { statusCounts: unknown; ticket: Record<string, unknown> };

    beforeAll(async () => {
      subject = await citizenWithHistory();
      before = {
        statusCounts: await t.db.query(`SELECT status, channel, count(*)::int AS n FROM tickets GROUP BY 1, 2 ORDER BY 1, 2`),
        ticket: (await t.db.query(`SELECT * FROM tickets WHERE id = $1`, [subject.ticketId]))[0],
      };
    });

    it('requires a reason and a supervisor or admin', async () => {
      await t.http().post(`/api/v1/citizens/${subject.citizenId}/anonymise`).set(supervisor.auth).send({}).expect(400);
      await t.http().post(`/api/v1/citizens/${subject.citizenId}/anonymise`).set(supervisor.auth).send({ reason: '  ' }).expect(400);
      await t.http().post(`/api/v1/citizens/${subject.citizenId}/anonymise`).set(agent.auth).send({ reason: 'Solicitud ARCO 1' }).expect(403);
    });

    it('replaces every identifier, field by field, and keeps tickets and statistics', async () => {
      const res = await t
        .http()
        .post(`/api/v1/citizens/${subject.citizenId}/anonymise`)
        .set(supervisor.auth)
        .send({ reason: `Solicitud ARCO UT/2026/0142 de ${PERSON.name}` })
        .expect(200);
      expect(res.body).toMatchObject({ citizenId: subject.citizenId, folios: [subject.folio] });

      const [citizen] = await t.db.query(`SELECT * FROM citizens WHERE id = $1`, [subject.citizenId]);
      expect(citizen.name).toBe('[nombre eliminado]');
      expect(citizen.anonymised_at).not.toBeNull();
      const merged = await t.db.query(`SELECT name, anonymised_at FROM citizens WHERE merged_into_id = $1`, [subject.citizenId]);
      expect(merged).toEqual([{ name: '[nombre eliminado]', anonymised_at: expect.any(Date) }]);
      const identities = await t.db.query(`SELECT kind, value, handle, display_name FROM citizen_identities WHERE citizen_id = $1 ORDER BY kind`, [subject.citizenId]);
      expect(identities.map((i: { kind: string }) => i.kind)).toEqual(['email', 'messenger', 'phone']);
      for (const i of identities) {
        expect(i.value).toMatch(/^anonimizado-[0-9a-f-]{36}$/);
        expect(i.handle).toBeNull();
        expect(i.display_name).toBeNull();
      }

      const [ticket] = await t.db.query(`SELECT * FROM tickets WHERE id = $1`, [subject.ticketId]);
      expect(ticket.subject).toBe('Fuga de agua reportada por [nombre eliminado]');
      expect(ticket.description).toBe(
        'Me llamo [nombre eliminado], mi teléfono es [teléfono eliminado] y mi correo [correo eliminado]. Hay una fuga frente a mi casa.',
      );
      expect(ticket.address).toBe('Casa de [nombre eliminado], Calle Zaragoza 120');
      for (const kept of ['folio', 'status', 'channel', 'colonia', 'category_id', 'area_id', 'created_at', 'citizen_id', 'first_response_due_at']) {
        expect({ [kept]: ticket[kept] }).toEqual({ [kept]: before.ticket[kept] });
      }
      expect(await t.db.query(`SELECT status, channel, count(*)::int AS n FROM tickets GROUP BY 1, 2 ORDER BY 1, 2`)).toEqual(before.statusCounts);

      const messages = await t.db.query(
        `SELECT direction, author_name, subject, body_text, body_html, body_new, meta FROM messages WHERE ticket_id = $1 ORDER BY id`,
        [subject.ticketId],
      );
      // the inbound report, the acknowledgement email, a note, the question, the reply with the photo
      expect(messages.map((m: { direction: string }) => m.direction)).toEqual(['inbound', 'outbound', 'note', 'outbound', 'inbound']);
      expect(messages[1].body_text).toContain('Estimado(a) [nombre eliminado]:');
      expect(messages[2].body_text).toBe('Llamé a [nombre eliminado] al [teléfono eliminado], confirma [correo eliminado]');
      expect(messages[3].body_text).toBe('Estimada [nombre eliminado], ¿nos envía una foto?');
      const photoMsg = messages[4];
      expect(photoMsg.author_name).toBe('[nombre eliminado]');
      expect(photoMsg.body_text).toBe('Aquí la foto. Escríbanme a [correo eliminado] o al [teléfono eliminado]. [usuario eliminado]');
      expect(photoMsg.body_html).toBe(
        '<p>Aquí la foto. <a href="mailto:[correo eliminado]">[correo eliminado]</a> — [nombre eliminado]</p>',
      );
      expect(photoMsg.body_new).toBe('Aquí la foto, [nombre eliminado]');
      expect(photoMsg.meta).toEqual({ from: { id: '[identificador eliminado]', name: '[nombre eliminado]' }, psid: '[identificador eliminado]' });

      const attachments = await t.db.query(
        `SELECT a.filename, a.content, a.sha256, a.omitted, a.omitted_reason, a.size_bytes::int AS size, a.content_type
         FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = $1`,
        [subject.ticketId],
      );
      expect(attachments).toEqual([
        { filename: 'adjunto-eliminado', content: null, sha256: null, omitted: true, omitted_reason: 'eliminado por anonimización', size: PNG.length, content_type: 'image/png' },
      ]);

      const events = await t.db.query(`SELECT type, reason, actor_user_id FROM ticket_events WHERE ticket_id = $1 ORDER BY id`, [subject.ticketId]);
      expect(events.find((e: { type: string }) => e.type === 'status_changed').reason).toBe('pedir foto a [nombre eliminado]');
      expect(events[events.length - 1]).toEqual({
        type: 'anonymised',
        reason: 'Solicitud ARCO UT/2026/0142 de [nombre eliminado]',
        actor_user_id: supervisor.user.id,
      });
    });

    it('leaves the email, phone, name, handle and platform id nowhere in the database (every table)', async () => {
      for (const needle of [PERSON.email, PERSON.e164, '987 6543', '9876543', PERSON.name, 'Zavala', PERSON.handle, PERSON.messengerId]) {
        expect({ needle, hits: await findTextInDatabase(t.db, needle) }).toEqual({ needle, hits: [] });
      }
    });

    it('is irreversible and refuses a second time; the detail shows the placeholders', async () => {
      await t.http().post(`/api/v1/citizens/${subject.citizenId}/anonymise`).set(admin.auth).send({ reason: 'otra vez por error' }).expect(409);
      await t.http().patch(`/api/v1/citizens/${subject.citizenId}`).set(agent.auth).send({ emails: [PERSON.email] }).expect(409);
      const detail = await t.http().get(`/api/v1/tickets/${subject.folio}`).set(agent.auth).expect(200);
      expect(detail.body.citizen.name).toBe('[nombre eliminado]');
      expect(JSON.stringify(detail.body)).not.toMatch(/Zavala|lupita|987.?6543/i);
    });

    it('a new message from the same address later makes a new citizen', async () => {
      const r = await t.app.get(IntakeService).receive({
        channel: 'messenger',
        externalId: `mid.${PERSON.messengerId}.2`,
        sender: { name: PERSON.name, identities: [{ kind: 'messenger', value: PERSON.messengerId }] },
        text: 'Otro reporte',
      });
      const [row] = await t.db.query(`SELECT citizen_id FROM tickets WHERE id = $1`, [r.ticketId]);
      expect(row.citizen_id).not.toBe(subject.citizenId);
    });

    it('covers every table: each one has a personal-data handler or is declared free of personal data', async () => {
      const registry = t.app.get(PersonalDataRegistry);
      expect(registry.uncovered(await listTables(t.db))).toEqual([]);
    });
  });

  describe('access trail', () => {
    it('records who read which citizen through ticket detail, citizen detail, list and export; admins read it', async () => {
      const { folio, citizenId } = await citizenWithHistory({ ...PERSON, name: 'Tania Traza Ruiz', email: 'trail@correo-prueba.mx', messengerId: '7712345000002', phone: '444 555 0202', handle: 'tania_tr' });
      const press = await t.user('press');
      await t.http().get(`/api/v1/tickets/${folio}`).set(agent.auth).expect(200);
      await t.http().get(`/api/v1/citizens/${citizenId}`).set(agent.auth).set('X-Request-Id', 'trail-request-0001').expect(200);
      await t.http().get(`/api/v1/citizens?q=trail@correo`).set(agent.auth).expect(200);
      await t.http().get(`/api/v1/citizens/${citizenId}/export`).set(supervisor.auth).expect(200);
      await t.http().get(`/api/v1/tickets/${folio}`).set(press.auth).expect(404); // a phone ticket: press may not read it, nothing recorded

      await t.http().get(`/api/v1/personal-data/access-log?citizenId=${citizenId}`).set(supervisor.auth).expect(403);
      const res = await t.http().get(`/api/v1/personal-data/access-log?citizenId=${citizenId}`).set(admin.auth).expect(200);
      const rows = res.body.items.map((i: { action: string; user: { id: string }; folio: string | null }) => [i.action, i.user.id, i.folio]);
      expect(rows).toEqual(
        expect.arrayContaining([
          ['ticket_detail', agent.user.id, folio],
          ['citizen_detail', agent.user.id, null],
          ['citizen_list', agent.user.id, null],
          ['export', supervisor.user.id, null],
        ]),
      );
      expect(rows.some((r: string[]) => r[1] === press.user.id)).toBe(false);
      expect(res.body.items.find((i: { action: string }) => i.action === 'citizen_detail').requestId).toBe('trail-request-0001');
      // newest first, keyset pages
      const page1 = await t.http().get(`/api/v1/personal-data/access-log?limit=2`).set(admin.auth).expect(200);
      expect(page1.body.items).toHaveLength(2);
      const page2 = await t.http().get(`/api/v1/personal-data/access-log?limit=2&cursor=${page1.body.nextCursor}`).set(admin.auth).expect(200);
      expect(new Date(page2.body.items[0].at).getTime()).toBeLessThanOrEqual(new Date(page1.body.items[1].at).getTime());
      const byAction = await t.http().get(`/api/v1/personal-data/access-log?action=export&userId=${supervisor.user.id}`).set(admin.auth).expect(200);
      expect(byAction.body.items.every((i: { action: string }) => i.action === 'export')).toBe(true);
      await t.http().get(`/api/v1/personal-data/access-log?cursor=nope`).set(admin.auth).expect(400);
    });
    it('writes exactly one trail row per ticket-detail read (recorded alongside the thread reads), with its request id', async () => {
      const { folio, citizenId } = await citizenWithHistory({ ...PERSON, name: 'Úrsula Única Vez', email: 'una.vez@correo-prueba.mx', messengerId: '7712345000009', phone: '444 555 0909', handle: 'ursula_uv' });
      const count = async () =>
        Number((await t.db.query(`SELECT count(*)::int AS n FROM personal_data_access WHERE citizen_id = $1 AND action = 'ticket_detail'`, [citizenId]))[0].n);
      const before = await count();
      const res = await t.http().get(`/api/v1/tickets/${folio}`).set(agent.auth).set('X-Request-Id', 'trail-detail-0001').expect(200);
      expect(res.body.citizen.id).toBe(citizenId);
      await t.http().get(`/api/v1/tickets/${folio}`).set(agent.auth).set('X-Request-Id', 'trail-detail-0002').expect(200);
      expect(await count()).toBe(before + 2);
      const rows = await t.db.query(
        `SELECT user_id, folio, request_id FROM personal_data_access WHERE citizen_id = $1 AND action = 'ticket_detail' ORDER BY id DESC LIMIT 2`,
        [citizenId],
      );
      expect(rows).toEqual([
        { user_id: agent.user.id, folio, request_id: 'trail-detail-0002' },
        { user_id: agent.user.id, folio, request_id: 'trail-detail-0001' },
      ]);
      await t.http().get(`/api/v1/tickets/SLP-1999-999999`).set(agent.auth).expect(404);
      expect(await count()).toBe(before + 2);
    });
  });

  describe('retention', () => {
    it('lists in a dry run, then anonymises only citizens whose tickets are all closed past RETENTION_DAYS', async () => {
      const old = await citizenWithHistory({ ...PERSON, name: 'Rodolfo Retención Antiguo', email: 'retencion.vieja@correo-prueba.mx', messengerId: '7712345000003', phone: '444 555 0303', handle: 'rodo_ret' });
      const recent = await citizenWithHistory({ ...PERSON, name: 'Regina Reciente Cierre', email: 'retencion.nueva@correo-prueba.mx', messengerId: '7712345000004', phone: '444 555 0404', handle: 'regi_rec' });
      for (const s of [old, recent]) {
        await t.http().post(`/api/v1/tickets/${s.folio}/transitions`).set(agent.auth).send({ to: 'resolved', message: 'Reparada' }).expect(200);
        await t.http().post(`/api/v1/tickets/${s.folio}/transitions`).set(agent.auth).send({ to: 'closed' }).expect(200);
      }
      await t.db.query(`UPDATE tickets SET status_changed_at = now() - interval '31 days', closed_at = now() - interval '31 days' WHERE id = $1`, [old.ticketId]);
      await t.db.query(`UPDATE tickets SET status_changed_at = now() - interval '29 days' WHERE id = $1`, [recent.ticketId]);

      await t.http().get('/api/v1/personal-data/retention').set(supervisor.auth).expect(403);
      const dry = await t.http().get('/api/v1/personal-data/retention').set(admin.auth).expect(200);
      expect(dry.body.retentionDays).toBe(30);
      const dueIds = dry.body.citizens.map((c: { citizenId: string }) => c.citizenId);
      expect(dueIds).toContain(old.citizenId);
      expect(dueIds).not.toContain(recent.citizenId);
      expect(dry.body.citizens.find((c: { citizenId: string }) => c.citizenId === old.citizenId).folios).toEqual([old.folio]);
      const [{ name: stillThere }] = await t.db.query(`SELECT name FROM citizens WHERE id = $1`, [old.citizenId]);
      expect(stillThere).toBe('Rodolfo Retención Antiguo');

      // while another instance holds the retention lock, a run does nothing and says it skipped
      const other = t.db.createQueryRunner();
      await other.connect();
      try {
        await other.startTransaction();
        await other.query(`SELECT pg_advisory_xact_lock(hashtextextended('enlace:retention', 0))`);
        const held = await t.http().post('/api/v1/personal-data/retention/run').set(admin.auth).expect(200);
        expect(held.body).toEqual({ anonymised: 0, skipped: true });
        expect((await t.db.query(`SELECT anonymised_at FROM citizens WHERE id = $1`, [old.citizenId]))[0].anonymised_at).toBeNull();
      } finally {
        await other.rollbackTransaction().catch(() => undefined);
        await other.release();
      }

      // two runs at once (two instances): between them they anonymise exactly the citizens the dry
      // run listed, each once; one does it all, the other skips (lock held) or finds nothing left
      const [a, b] = await Promise.all([
        t.http().post('/api/v1/personal-data/retention/run').set(admin.auth),
        t.http().post('/api/v1/personal-data/retention/run').set(admin.auth),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(dueIds.length).toBe(dry.body.count);
      expect(a.body.anonymised + b.body.anonymised).toBe(dueIds.length);
      expect([a.body.anonymised, b.body.anonymised].sort((x, y) => x - y)).toEqual([0, dueIds.length]);
      for (const run of [a.body, b.body]) if (run.skipped) expect(run.anonymised).toBe(0);
      const anonymisedDue = await t.db.query(`SELECT id FROM citizens WHERE id = ANY($1) AND anonymised_at IS NOT NULL`, [dueIds]);
      expect(anonymisedDue.length).toBe(dueIds.length);
      // one 'anonymised' event per ticket of each of them: nobody was anonymised twice
      const perTicket = await t.db.query(
        `SELECT ticket_id, count(*)::int AS n FROM ticket_events WHERE type = 'anonymised' AND data->>'citizenId' = ANY($1) GROUP BY ticket_id`,
        [dueIds],
      );
      expect(perTicket.filter((r: { n: number }) => r.n !== 1)).toEqual([]);
      expect(perTicket.map((r: { ticket_id: string }) => String(r.ticket_id))).toContain(old.ticketId);

      const states = await t.db.query(`SELECT id, name, anonymised_at IS NOT NULL AS anonymised FROM citizens WHERE id = ANY($1)`, [[old.citizenId, recent.citizenId]]);
      expect(states.find((s: { id: string }) => s.id === old.citizenId)).toMatchObject({ name: '[nombre eliminado]', anonymised: true });
      expect(states.find((s: { id: string }) => s.id === recent.citizenId)).toMatchObject({ name: 'Regina Reciente Cierre', anonymised: false });
      const [event] = await t.db.query(`SELECT actor_kind, actor_user_id, reason FROM ticket_events WHERE ticket_id = $1 AND type = 'anonymised'`, [old.ticketId]);
      expect(event).toEqual({ actor_kind: 'system', actor_user_id: null, reason: 'Plazo de conservación vencido (30 días después del cierre)' });
      expect(await findTextInDatabase(t.db, 'retencion.vieja@correo-prueba.mx')).toEqual([]);
      expect(await findTextInDatabase(t.db, 'retencion.nueva@correo-prueba.mx')).not.toEqual([]);
      const again = await t.http().get('/api/v1/personal-data/retention').set(admin.auth).expect(200);
      expect(again.body.citizens.map((c: { citizenId: string }) => c.citizenId)).not.toContain(old.citizenId);
    });

    it('checks each citizen again under its lock: a report that arrived after the batch was chosen keeps it, and the run goes on', async () => {
      const late = await citizenWithHistory({ ...PERSON, name: 'Lucía Llegó Tarde', email: 'lucia.tarde@correo-prueba.mx', messengerId: '7712345000005', phone: '444 555 0505', handle: 'lucia_t' });
      const closedLongAgo = await citizenWithHistory({ ...PERSON, name: 'Tomás Tiempo Vencido', email: 'tomas.vencido@correo-prueba.mx', messengerId: '7712345000007', phone: '444 555 0707', handle: 'tomas_v' });
      for (const c of [late, closedLongAgo]) {
        await t.http().post(`/api/v1/tickets/${c.folio}/transitions`).set(agent.auth).send({ to: 'resolved', message: 'Reparada' }).expect(200);
        await t.http().post(`/api/v1/tickets/${c.folio}/transitions`).set(agent.auth).send({ to: 'closed' }).expect(200);
        await t.db.query(`UPDATE tickets SET status_changed_at = now() - interval '40 days', closed_at = now() - interval '40 days' WHERE id = $1`, [c.ticketId]);
      }
      const retention = t.app.get(RetentionService);
      // the batch is chosen now (both due) …
      const stale = await (retention as unknown as { candidates: (...a: unknown[]) => Promise<unknown[]> }).candidates(t.db.manager, new Date(Date.now() - 30 * 86_400_000), 50);
      // … then Lucía writes again before the batch reaches her
      const fresh = await t
        .http()
        .post('/api/v1/tickets')
        .set(agent.auth)
        .send({ subject: 'Otra fuga', description: 'Ahora en la esquina de mi casa', channel: 'phone', citizen: { name: 'Lucía Llegó Tarde', email: 'lucia.tarde@correo-prueba.mx' } })
        .expect(201);
      expect(fresh.body.citizen.id).toBe(late.citizenId);
      const spy = jest.spyOn(retention as unknown as { candidates: (...a: unknown[]) => Promise<unknown[]> }, 'candidates').mockResolvedValueOnce(stale);
      try {
        await t.http().post('/api/v1/personal-data/retention/run').set(admin.auth).expect(200);
      } finally {
        spy.mockRestore();
      }
      const [lucia] = await t.db.query(`SELECT name, anonymised_at FROM citizens WHERE id = $1`, [late.citizenId]);
      expect(lucia).toEqual({ name: 'Lucía Llegó Tarde', anonymised_at: null });
      const [open] = await t.db.query(`SELECT subject, description FROM tickets WHERE folio = $1`, [fresh.body.folio]);
      expect(open).toEqual({ subject: 'Otra fuga', description: 'Ahora en la esquina de mi casa' });
      const [tomas] = await t.db.query(`SELECT anonymised_at IS NOT NULL AS anonymised FROM citizens WHERE id = $1`, [closedLongAgo.citizenId]);
      expect(tomas.anonymised).toBe(true);
    });
  });
});
