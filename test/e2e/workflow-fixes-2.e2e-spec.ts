// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { PNG_1PX } from '../support/fake-platforms';

jest.setTimeout(60_000);

describe('workflow fixes 2 (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let agent: { auth: Record<string, string>; user: { id: string; name: string } };
  let supervisor: { auth: Record<string, string>; user: { id: string } };

  beforeAll(async () => {
    t = await startTestApp({ MAIL_FROM: 'notificaciones@sanluis.gob.mx' });
    admin = (await t.user('admin')).auth;
    agent = await t.user('agent');
    supervisor = await t.user('supervisor');
  });
  afterAll(() => t.close());

  /** A phone report with no words the keyword routing knows: no category, no area. */
  const capture = async (citizen: Record<string, string> | null = { name: 'Rosa Elena Martínez', phone: '444 123 4567' }) => {
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .send({ subject: 'Consulta general', description: 'Quiere saber a quién dirigirse.', channel: 'phone', ...(citizen ? { citizen } : {}) })
      .expect(201);
    return res.body as { folio: string };
  };
  const assigneeOf = async (folio: string) => (await t.db.query(`SELECT assignee_id FROM tickets WHERE folio = $1`, [folio]))[0].assignee_id as string | null;

  describe('a ticket held by a deactivated or demoted user can be taken by an agent', () => {
    const take = (folio: string, who: { auth: Record<string, string>; user: { id: string } }) =>
      t.http().post(`/api/v1/tickets/${folio}/assign`).set(who.auth).send({ assigneeId: who.user.id });
    const assignedEvents = async (folio: string) =>
      (
        await t.db.query(
          `SELECT e.actor_user_id, e.data FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = 'assigned' ORDER BY e.id`,
          [folio],
        )
      ).map((r: { actor_user_id: string; data: Record<string, unknown> }) => ({ actor: r.actor_user_id, data: r.data }));

    it.each([
      ['deactivated', { active: false }, 'inactive'],
      ['changed to the press role', { role: 'press' }, 'not_staff'],
    ])('holder %s: another agent takes it (200), the event says from whom', async (_label, change, why) => {
      const holder = await t.user('agent');
      const { folio } = await capture();
      await take(folio, holder).expect(200);
      expect(await assigneeOf(folio)).toBe(holder.user.id);
      await t.http().patch(`/api/v1/users/${holder.user.id}`).set(admin).send(change).expect(200);

      const res = await take(folio, agent).expect(200);
      expect(res.body.assignee.id).toBe(agent.user.id);
      expect(res.body.status).toBe('assigned');
      expect(await assigneeOf(folio)).toBe(agent.user.id);
      const events = await assignedEvents(folio);
      expect(events).toHaveLength(2);
      expect(events[1]).toMatchObject({
        actor: agent.user.id,
        data: {
          from: { assigneeId: holder.user.id },
          to: { assigneeId: agent.user.id },
          takenFrom: { id: holder.user.id, name: holder.user.name, reason: why },
        },
      });
    });

    it('unchanged: an active agent holder keeps it (409); a supervisor still re-assigns', async () => {
      const holder = await t.user('agent');
      const { folio } = await capture();
      await take(folio, holder).expect(200);
      const res = await take(folio, agent).expect(409);
      expect(res.body.message).toMatch(/already assigned to .*only a supervisor may re-assign it/);
      expect(await assigneeOf(folio)).toBe(holder.user.id);
      // a holder promoted to supervisor is still active staff
      await t.http().patch(`/api/v1/users/${holder.user.id}`).set(admin).send({ role: 'supervisor' }).expect(200);
      await take(folio, agent).expect(409);
      await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: agent.user.id }).expect(200);
      expect(await assigneeOf(folio)).toBe(agent.user.id);
      expect((await assignedEvents(folio))[1].data).not.toHaveProperty('takenFrom');
    });
  });

  describe('the public message of a status change that cannot reach the citizen says so', () => {
    const NO_CONTACT = 'El ciudadano no tiene correo ni red social registrados';
    const transition = (folio: string, body: Record<string, unknown>) => t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent.auth).send(body).expect(200);
    const publicMessage = (detail: { thread: Array<{ bodyText: string; delivery: unknown; direction: string }> }, text: string) =>
      detail.thread.find((m) => m.direction === 'outbound' && m.bodyText === text)!;
    const statusEvent = async (folio: string, to: string) =>
      (
        await t.db.query(
          `SELECT e.data FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = 'status_changed' AND e.to_status = $2 ORDER BY e.id DESC LIMIT 1`,
          [folio, to],
        )
      )[0].data as Record<string, unknown>;

    it('waiting_citizen to a phone citizen with no email nor social network: failed with the reason; the event says not delivered', async () => {
      const { folio } = await capture({ name: 'Jesús Ramírez', phone: '444 765 4401' });
      const question = '¿En qué cruce de calles está la luminaria?';
      const res = await transition(folio, { to: 'waiting_citizen', message: question });
      const m = publicMessage(res.body, question);
      expect(m.delivery).toEqual({ state: 'failed', attempts: 0, lastError: NO_CONTACT });
      expect(await statusEvent(folio, 'waiting_citizen')).toMatchObject({ notifyCitizen: false, notDelivered: NO_CONTACT });
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1`, [folio]);
      expect(n).toBe(0);
    });

    it('resolved on a report with no citizen, rejected to a citizen whose only email bounces', async () => {
      const { folio } = await capture(null);
      const answer = 'Se reparó la luminaria.';
      const resolved = await transition(folio, { to: 'resolved', message: answer });
      expect(publicMessage(resolved.body, answer).delivery).toMatchObject({ state: 'failed', lastError: 'El reporte no tiene datos de contacto del ciudadano' });

      const bounced = await capture({ name: 'Pedro Salas', email: 'pedro.rebota2@correo.mx' });
      await t.db.query(`UPDATE citizen_identities SET undeliverable = true WHERE value = 'pedro.rebota2@correo.mx'`);
      const why = 'El reporte corresponde al gobierno del estado.';
      const rejected = await transition(bounced.folio, { to: 'rejected', reason: 'fuera de competencia', message: why });
      const lastError = 'El correo del ciudadano está marcado como no entregable y el ciudadano no tiene red social registrada';
      expect(publicMessage(rejected.body, why).delivery).toMatchObject({ state: 'failed', lastError });
      expect(await statusEvent(bounced.folio, 'rejected')).toMatchObject({ notifyCitizen: false, notDelivered: lastError });
    });

    it('unchanged: notifyCitizen false (recorded only), a citizen with an email (queued), a forwarded report (press office)', async () => {
      const { folio } = await capture({ name: 'Jesús Ramírez', phone: '444 765 4402' });
      const recorded = await transition(folio, { to: 'waiting_citizen', message: 'Se le preguntó por teléfono.', notifyCitizen: false });
      expect(publicMessage(recorded.body, 'Se le preguntó por teléfono.').delivery).toBeNull();
      expect(await statusEvent(folio, 'waiting_citizen')).not.toHaveProperty('notDelivered');

      const withEmail = await capture({ name: 'Lucía Gómez', email: 'lucia.estado@correo.mx' });
      const sent = await transition(withEmail.folio, { to: 'resolved', message: 'Ya quedó reparado.' });
      expect(publicMessage(sent.body, 'Ya quedó reparado.').delivery).toMatchObject({ state: 'queued' });
      expect(await statusEvent(withEmail.folio, 'resolved')).not.toHaveProperty('notDelivered');

      const press = await t.user('press');
      const fwd = await t
        .http()
        .post('/api/v1/intake/forwarded')
        .set(press.auth)
        .field('network', 'facebook')
        .field('authorName', 'Vecina de Tequis')
        .field('text', 'Hay una fuga en la calle desde ayer, nadie viene')
        .expect(201);
      const asked = await transition(fwd.body.folio, { to: 'waiting_citizen', message: '¿Nos indica la dirección exacta?' });
      const m = asked.body.thread.find((x: { bodyText: string }) => x.bodyText === '¿Nos indica la dirección exacta?');
      expect(m).toMatchObject({ delivery: null, manualReply: 'pending' });
      expect(await statusEvent(fwd.body.folio, 'waiting_citizen')).not.toHaveProperty('notDelivered');
    });
  });

  describe('long upload names (and rejection reasons) are cut by characters, never inside an emoji', () => {
    // 179 letters then an emoji (two UTF-16 units): a cut at 180 UTF-16 units split it in half
    const NAME = `${'a'.repeat(179)}🚧 y más texto.png`;
    const KEPT = `${'a'.repeat(179)}🚧.png`;

    it('staff attachments', async () => {
      const { folio } = await capture();
      const res = await t.http().post(`/api/v1/tickets/${folio}/attachments`).set(agent.auth).attach('files', PNG_1PX, { filename: NAME, contentType: 'image/png' }).expect(201);
      const note = res.body.thread.find((m: { direction: string }) => m.direction === 'note');
      const [row] = await t.db.query(`SELECT filename FROM attachments WHERE id = $1`, [note.attachments[0].id]);
      expect(row.filename).toBe(KEPT);
    });

    it('forwarded screenshots', async () => {
      const press = await t.user('press');
      const res = await t
        .http()
        .post('/api/v1/intake/forwarded')
        .set(press.auth)
        .field('network', 'x')
        .field('authorName', 'Vecinos de Peñasco')
        .field('text', 'Bache enorme frente a la escuela, ya van dos llantas ponchadas')
        .attach('screenshots', PNG_1PX, { filename: NAME, contentType: 'image/png' })
        .expect(201);
      const rows = await t.db.query(
        `SELECT a.filename FROM attachments a JOIN messages m ON m.id = a.message_id JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1`,
        [res.body.folio],
      );
      expect(rows).toEqual([{ filename: KEPT }]);
    });

    it('and so is a long rejection reason (kept to 500 characters)', async () => {
      const { folio } = await capture();
      const reason = `${'a'.repeat(499)}🚧 fuera de la competencia municipal`;
      await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent.auth).send({ to: 'rejected', reason }).expect(200);
      const [row] = await t.db.query(`SELECT rejection_reason FROM tickets WHERE folio = $1`, [folio]);
      expect(row.rejection_reason).toBe(`${'a'.repeat(499)}🚧`);
    });
  });
});
