// the app (and its entities) first: the entity files import each other
import { DUPLICATE_MAX_AGE_DAYS } from '../../src/routing/duplicate-finder.service';
import { startTestApp, TestApp } from '../support/test-app';
import { startAppOnDatabase } from '../support/app-on-database';
import type { RunningApp } from '../../src/bootstrap';
import { Clock } from '../../src/common/clock';
import { SlaJobsService } from '../../src/sla/sla-jobs.service';
import { OverdueNotice, SupervisorNotifier } from '../../src/sla/supervisor-notifier';

const DAY = 86_400_000;

describe('routing, service levels and duplicates (real PostgreSQL)', () => {
  let t: TestApp;
  /** a second app instance on the same database: the jobs' "two runs at once" are one on each */
  let b: RunningApp;
  let agent: Record<string, string>;
  let supervisor: Record<string, string>;
  let admin: Record<string, string>;
  let now: Date;
  const notices: OverdueNotice[] = [];

  beforeAll(async () => {
    const env = { SLA_JOBS_INTERVAL_SECONDS: '0', AUTO_CLOSE_DAYS: '7' };
    t = await startTestApp(env);
    b = await startAppOnDatabase(t.running.databaseUrl, env);
    agent = (await t.user('agent')).auth;
    supervisor = (await t.user('supervisor')).auth;
    admin = (await t.user('admin')).auth;
    // a controllable clock for the workflow stamps and the jobs, on both instances
    now = new Date();
    for (const app of [t.app, b.app]) {
      jest.spyOn(app.get(Clock), 'now').mockImplementation(() => new Date(now));
      const notifier = app.get(SupervisorNotifier);
      const original = notifier.notifyOverdue.bind(notifier);
      jest.spyOn(notifier, 'notifyOverdue').mockImplementation(async (manager, notice) => {
        notices.push(notice);
        await original(manager, notice);
      });
    }
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const capture = (body: Record<string, unknown>, auth = agent) =>
    t.http().post('/api/v1/tickets').set(auth).send({ channel: 'phone', ...body });
  const categoryId = async (code: string): Promise<string> => (await t.db.query(`SELECT id FROM categories WHERE code = $1`, [code]))[0].id;
  const areaId = async (code: string): Promise<string> => (await t.db.query(`SELECT id FROM areas WHERE code = $1`, [code]))[0].id;
  const eventsOf = async (folio: string, type: string) =>
    t.db.query(`SELECT e.* FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = $2 ORDER BY e.id`, [folio, type]);

  describe('category suggestion', () => {
    it.each([
      ['Reporte', 'No hay luz en la calle Independencia, poste AP-20417', 'luminaria-apagada', 'alumbrado-publico'],
      ['LUMINARIA', 'La luminarea de la esquina parpadea toda la noche', 'luminaria-apagada', 'alumbrado-publico'],
      ['Bache enorme', 'En la Av. Carranza frente al número 1200', 'bache', 'obras-publicas'],
      ['Urgente', 'se fugó el agua de la toma y está inundando la calle', 'fuga-de-agua', 'interapas'],
      ['Drenage tapado', 'Salen aguas negras de la coladera', 'drenaje', 'interapas'],
      ['Basura', 'no paso el camion de la vasura en toda la semana', 'basura-no-recolectada', 'aseo-publico'],
      // "pero" is a word, not a typo of `perro`
      ['Sin servicio', 'No tenemos agua desde ayer pero nadie nos dice nada', 'fuga-de-agua', 'interapas'],
      ['Baches', 'Hay muchos baches y hoyos en la calle, la luminaira tampoco sirve', 'bache', 'obras-publicas'],
    ])('"%s / %s" → %s (%s), recorded as an event and applied', async (subject, description, category, area) => {
      const res = await capture({ subject, description }).expect(201);
      expect(res.body.category.code).toBe(category);
      expect(res.body.area.code).toBe(area);
      expect(res.body.events.map((e: { type: string }) => e.type).slice(0, 2)).toEqual(['created', 'routing_suggested']);
      const ev = res.body.events.find((e: { type: string }) => e.type === 'routing_suggested');
      expect(ev.actor).toEqual({ kind: 'system' });
      expect(ev.data).toMatchObject({ categoryCode: category, applied: true });
      expect(ev.data.matched.length).toBeGreaterThan(0);
      // due dates come from the suggested category (defaults 5 and 40 days)
      const created = new Date(res.body.createdAt).getTime();
      expect(Math.round((new Date(res.body.dueDates.firstResponse).getTime() - created) / DAY)).toBe(5);
      expect(Math.round((new Date(res.body.dueDates.resolution).getTime() - created) / DAY)).toBe(40);
    });

    it('fills the pole id from the text of a street-light report', async () => {
      const res = await capture({ subject: 'Luminaria apagada', description: 'La lámpara del poste AP-20417 no enciende' }).expect(201);
      expect(res.body.location.poleId).toBe('AP-20417');
    });

    it('keeps the category the agent chose, records the suggestion, and lets the agent override later', async () => {
      const ruido = await categoryId('ruido');
      const res = await capture({ subject: 'Bache', description: 'Un bache en la calle', categoryId: ruido }).expect(201);
      expect(res.body.category.code).toBe('ruido');
      const ev = res.body.events.find((e: { type: string }) => e.type === 'routing_suggested');
      expect(ev.data).toMatchObject({ categoryCode: 'bache', applied: false });

      const other = await capture({ subject: 'Hoyo', description: 'Bache en la banqueta' }).expect(201);
      expect(other.body.category.code).toBe('bache');
      const fixed = await t.http().patch(`/api/v1/tickets/${other.body.folio}`).set(agent).send({ categoryId: await categoryId('drenaje') }).expect(200);
      expect(fixed.body.category.code).toBe('drenaje');
      expect(fixed.body.area.code).toBe('interapas');
    });

    it('leaves a ticket without category when nothing matches, held to the targets of "Otro"', async () => {
      const otro = await categoryId('otro');
      await t.http().patch(`/api/v1/categories/${otro}`).set(supervisor).send({ firstResponseDays: 2, resolutionDays: 10 }).expect(200);
      try {
        const res = await capture({ subject: 'Felicitación', description: 'Quiero agradecer la atención recibida' }).expect(201);
        expect(res.body.category).toBeNull();
        expect(res.body.area).toBeNull();
        expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['created']);
        const created = new Date(res.body.createdAt).getTime();
        expect(Math.round((new Date(res.body.dueDates.firstResponse).getTime() - created) / DAY)).toBe(2);
        expect(Math.round((new Date(res.body.dueDates.resolution).getTime() - created) / DAY)).toBe(10);
        // the category an agent chooses later brings its own targets
        const fixed = await t.http().patch(`/api/v1/tickets/${res.body.folio}`).set(agent).send({ categoryId: await categoryId('bache') }).expect(200);
        expect(Math.round((new Date(fixed.body.dueDates.resolution).getTime() - created) / DAY)).toBe(40);
        // a transparency request has no category either
        const tr = await capture({ subject: 'Transparencia', description: 'Pido copia de los contratos de alumbrado' }).expect(201);
        expect(tr.body.category).toBeNull();
        expect(tr.body.tags).toContain('transparencia');
        expect(Math.round((new Date(tr.body.dueDates.resolution).getTime() - new Date(tr.body.createdAt).getTime()) / DAY)).toBe(10);
        // the agent's own category is not overridden by Otro's targets
        const chosen = await capture({ subject: 'Felicitación', description: 'Gracias', categoryId: await categoryId('ruido') }).expect(201);
        expect(Math.round((new Date(chosen.body.dueDates.resolution).getTime() - new Date(chosen.body.createdAt).getTime()) / DAY)).toBe(40);
      } finally {
        await t.http().patch(`/api/v1/categories/${otro}`).set(supervisor).send({ firstResponseDays: 5, resolutionDays: 40 }).expect(200);
      }
    });

    it('does not route to a deactivated category, and refuses it at capture, PATCH and rule creation', async () => {
      const grafiti = await t.http().post('/api/v1/categories').set(admin).send({ code: 'grafiti', name: 'Grafiti', areaId: await areaId('desarrollo-urbano') }).expect(201);
      const rule = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'grafiti', categoryId: grafiti.body.id, weight: 5 }).expect(201);
      const suggested = async (text: string) => (await t.http().post('/api/v1/routing-rules/try').set(supervisor).send({ text }).expect(200)).body.category?.code ?? null;
      expect(await suggested('Grafiti en la barda del parque')).toBe('grafiti');

      await t.http().patch(`/api/v1/categories/${grafiti.body.id}`).set(admin).send({ active: false }).expect(200);
      // its rules are skipped: the next best category wins, or none
      expect(await suggested('Grafiti en la barda del parque')).toBe('poda-parque');
      const captured = await capture({ subject: 'Grafiti', description: 'Pintaron grafiti en la barda' }).expect(201);
      expect(captured.body.category).toBeNull();
      expect(captured.body.events.some((e: { type: string }) => e.type === 'routing_suggested')).toBe(false);

      const fields = (res: { body: { details?: Array<{ field: string }> } }) => (res.body.details ?? []).map((d) => d.field);
      const refused = await capture({ subject: 'Barda pintada', description: 'Pintas en la barda', categoryId: grafiti.body.id }).expect(400);
      expect(fields(refused)).toEqual(['categoryId']);
      expect(refused.body.message).toBe('Inactive category');
      const patched = await t.http().patch(`/api/v1/tickets/${captured.body.folio}`).set(agent).send({ categoryId: grafiti.body.id }).expect(400);
      expect(fields(patched)).toEqual(['categoryId']);
      expect((await t.http().get(`/api/v1/tickets/${captured.body.folio}`).set(agent).expect(200)).body.category).toBeNull();
      const newRule = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'pintas', categoryId: grafiti.body.id }).expect(400);
      expect(fields(newRule)).toEqual(['categoryId']);
      const parqueRule = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'barda', categoryId: await categoryId('poda-parque') }).expect(201);
      const moved = await t.http().patch(`/api/v1/routing-rules/${parqueRule.body.id}`).set(admin).send({ categoryId: grafiti.body.id }).expect(400);
      expect(fields(moved)).toEqual(['categoryId']);
      // the rules it already has can still be edited or switched off
      await t.http().patch(`/api/v1/routing-rules/${rule.body.id}`).set(admin).send({ weight: 4 }).expect(200);
      await t.http().patch(`/api/v1/routing-rules/${parqueRule.body.id}`).set(admin).send({ active: false }).expect(200);

      // switched back on, it is routed to again
      await t.http().patch(`/api/v1/categories/${grafiti.body.id}`).set(admin).send({ active: true }).expect(200);
      expect(await suggested('Grafiti en la barda del parque')).toBe('grafiti');
      await t.http().patch(`/api/v1/routing-rules/${rule.body.id}`).set(admin).send({ active: false }).expect(200);
    });

    it('flags a transparency request for the Unidad de Transparencia instead of routing it', async () => {
      const res = await capture({ subject: 'Solicitud de información pública', description: 'Pido el monto gastado en bacheo en 2026' }).expect(201);
      expect(res.body.category).toBeNull();
      expect(res.body.tags).toContain('transparencia');
      const ev = res.body.events.find((e: { type: string }) => e.type === 'transparency_flagged');
      expect(ev.reason).toMatch(/Unidad de Transparencia/);
      expect(ev.data.areaCode).toBe('unidad-de-transparencia');
      expect(res.body.events.some((e: { type: string }) => e.type === 'routing_suggested')).toBe(false);
    });

    it('lets an admin edit the keyword rules; supervisors read and try them; agents cannot', async () => {
      const parque = await categoryId('poda-parque');
      await t.http().post('/api/v1/routing-rules').set(supervisor).send({ keyword: 'jacaranda', categoryId: parque }).expect(403);
      await t.http().get('/api/v1/routing-rules').set(agent).expect(403);
      const created = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'Jacarandá', categoryId: parque, weight: 5 }).expect(201);
      await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'jacarandá', categoryId: parque }).expect(409);
      const bad = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'x', kind: 'category' }).expect(400);
      expect(bad.body.details.map((d: { field: string }) => d.field)).toContain('keyword');
      const noCat = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'tala' }).expect(400);
      expect(noCat.body.details[0].field).toBe('categoryId');
      const tried = await t.http().post('/api/v1/routing-rules/try').set(supervisor).send({ text: 'Se cayó una JACARANDA' }).expect(200);
      expect(tried.body.category.code).toBe('poda-parque');
      expect(tried.body.matched).toEqual(['Jacarandá']);
      const res = await capture({ subject: 'Jacaranda caída', description: 'Sobre la calle' }).expect(201);
      expect(res.body.category.code).toBe('poda-parque');
      await t.http().patch(`/api/v1/routing-rules/${created.body.id}`).set(admin).send({ active: false }).expect(200);
      const after = await t.http().post('/api/v1/routing-rules/try').set(supervisor).send({ text: 'Se cayó una jacaranda' }).expect(200);
      expect(after.body.category).toBeNull();
      const list = await t.http().get('/api/v1/routing-rules').set(supervisor).expect(200);
      expect(list.body.length).toBeGreaterThan(50);
    });
  });

  describe('service-level targets', () => {
    it('lets a supervisor change a category’s targets, used for new tickets', async () => {
      const id = await categoryId('luminaria-apagada');
      await t.http().patch(`/api/v1/categories/${id}`).set(agent).send({ resolutionDays: 3 }).expect(403);
      const res = await t.http().patch(`/api/v1/categories/${id}`).set(supervisor).send({ firstResponseDays: 1, resolutionDays: 3 }).expect(200);
      expect(res.body).toMatchObject({ firstResponseDays: 1, resolutionDays: 3 });
      const forbidden = await t.http().patch(`/api/v1/categories/${id}`).set(supervisor).send({ name: 'Luz' }).expect(403);
      expect(forbidden.body.message).toMatch(/service-level/);
      const ticket = await capture({ subject: 'Luminaria', description: 'luminaria apagada' }).expect(201);
      const created = new Date(ticket.body.createdAt).getTime();
      expect(Math.round((new Date(ticket.body.dueDates.resolution).getTime() - created) / DAY)).toBe(3);
      await t.http().patch(`/api/v1/categories/${id}`).set(admin).send({ firstResponseDays: 5, resolutionDays: 40 }).expect(200);
    });
  });

  describe('jobs with a controllable clock', () => {
    it('notifies the area supervisor once per ticket and missed target, even with two instances running at once', async () => {
      await t.db.query(`UPDATE areas SET supervisor_email = 'obras@slp.gob.mx' WHERE code = 'obras-publicas'`);
      const start = new Date();
      now = start;
      const a = await capture({ subject: 'Bache', description: 'bache profundo en Av. Juárez' }).expect(201);
      const jobs = t.app.get(SlaJobsService);
      notices.length = 0;
      await t.db.query(`DELETE FROM sla_notifications`); // earlier tests' tickets are not this test's business
      await t.db.query(`UPDATE tickets SET first_responded_at = now() WHERE folio <> $1`, [a.body.folio]);
      await t.db.query(`UPDATE tickets SET resolution_due_at = NULL, status = CASE WHEN status = 'new' THEN 'assigned' ELSE status END WHERE folio <> $1`, [a.body.folio]);

      now = new Date(start.getTime() + DAY - 60_000);
      expect(await jobs.notifyOverdue()).toBe(0);
      now = new Date(start.getTime() + DAY + 60_000); // accept target: 1 day still "Recibido"
      expect(await jobs.notifyOverdue()).toBe(1);
      expect(notices.map((x) => x.target)).toEqual(['accept']);
      now = new Date(start.getTime() + 4 * DAY);
      expect(await jobs.notifyOverdue()).toBe(0);
      now = new Date(start.getTime() + 5 * DAY + 60_000);
      const counts = await Promise.all([jobs.notifyOverdue(), b.app.get(SlaJobsService).notifyOverdue()]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
      expect(notices[1]).toEqual(
        expect.objectContaining({ folio: a.body.folio, target: 'first_response', recipient: 'obras@slp.gob.mx', areaId: await areaId('obras-publicas') }),
      );
      expect(await jobs.notifyOverdue()).toBe(0);

      now = new Date(start.getTime() + 41 * DAY);
      expect(await jobs.notifyOverdue()).toBe(1);
      expect(notices.map((n) => n.target)).toEqual(['accept', 'first_response', 'resolution']);
      const events = await eventsOf(a.body.folio, 'sla_overdue');
      expect(events.map((e: { data: { target: string } }) => e.data.target)).toEqual(['accept', 'first_response', 'resolution']);
      expect(events.map((e: { reason: string }) => e.reason)).toEqual([
        'Venció el plazo para aceptar el reporte',
        'Venció el plazo de primera respuesta',
        'Venció el plazo de atención',
      ]);
      expect(events[0].actor_kind).toBe('system');
      expect(await jobs.notifyOverdue()).toBe(0);
      // each notice is one email to the area supervisor in the outbox, in Spanish, with the folio
      const mails = await t.db.query(
        `SELECT o.recipient, o.payload FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE o.kind = 'sla_overdue' AND t.folio = $1 ORDER BY o.id`,
        [a.body.folio],
      );
      expect(mails.map((m: { recipient: string }) => m.recipient)).toEqual(['obras@slp.gob.mx', 'obras@slp.gob.mx', 'obras@slp.gob.mx']);
      expect(mails[1].payload.subject).toBe(`[${a.body.folio}] Plazo de primera respuesta vencido`);
      expect(mails[2].payload.text).toContain('no cumplió el plazo de atención, que venció el');
      expect(notices).toHaveLength(3);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM sla_notifications s JOIN tickets t ON t.id = s.ticket_id WHERE t.folio = $1`, [a.body.folio]);
      expect(n).toBe(3);
    });

    it('sends the accept notice, then the others, for a ticket without category, with the targets of "Otro"', async () => {
      const otro = await categoryId('otro');
      await t.http().patch(`/api/v1/categories/${otro}`).set(supervisor).send({ acceptDays: 2, firstResponseDays: 4 }).expect(200);
      try {
        const start = new Date();
        now = start;
        const res = await capture({ subject: 'Consulta', description: 'Quisiera saber el horario de la presidencia' }).expect(201);
        expect(res.body.category).toBeNull();
        const folio = res.body.folio;
        const jobs = t.app.get(SlaJobsService);
        const targetsOf = () => notices.filter((n) => n.folio === folio).map((n) => n.target);
        now = new Date(start.getTime() + DAY + 60_000);
        await jobs.notifyOverdue();
        expect(targetsOf()).toEqual([]); // Otro gives 2 days to accept, not the column default of 1
        now = new Date(start.getTime() + 2 * DAY + 60_000);
        await jobs.notifyOverdue();
        expect(targetsOf()).toEqual(['accept']);
        expect(notices.find((n) => n.folio === folio)).toMatchObject({ areaId: null, recipient: null });
        now = new Date(start.getTime() + 4 * DAY + 60_000);
        await jobs.notifyOverdue();
        expect(targetsOf()).toEqual(['accept', 'first_response']);
        const events = await eventsOf(folio, 'sla_overdue');
        expect(events.map((e: { data: { target: string } }) => e.data.target)).toEqual(['accept', 'first_response']);
      } finally {
        await t.http().patch(`/api/v1/categories/${otro}`).set(supervisor).send({ acceptDays: 1, firstResponseDays: 5 }).expect(200);
      }
    });

    it('closes a resolved ticket after AUTO_CLOSE_DAYS without a reply, as the system, exactly once', async () => {
      const res = await capture({ subject: 'Basura', description: 'basura en la esquina' }).expect(201);
      const folio = res.body.folio;
      // resolved a minute after the report arrived
      const start = new Date(Date.now() + 60_000);
      now = start;
      await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent).send({ to: 'resolved', message: 'Se recolectó la basura.' }).expect(200);
      const jobs = t.app.get(SlaJobsService);
      now = new Date(start.getTime() + 6 * DAY);
      expect(await jobs.autoClose()).toBe(0);
      now = new Date(start.getTime() + 7 * DAY + 60_000);
      const counts = await Promise.all([jobs.autoClose(), b.app.get(SlaJobsService).autoClose()]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
      const detail = await t.http().get(`/api/v1/tickets/${folio}`).set(agent).expect(200);
      expect(detail.body.status).toBe('closed');
      expect(new Date(detail.body.closedAt).toISOString()).toBe(now.toISOString());
      const ev = detail.body.events.find((e: { toStatus: string }) => e.toStatus === 'closed');
      expect(ev.actor).toEqual({ kind: 'system' });
      expect(ev.reason).toBe('Cierre automático: sin respuesta del ciudadano en 7 días');
      expect(await jobs.autoClose()).toBe(0);
      const ready = await t.http().get('/health/ready').expect(200);
      expect(ready.body.details.slaJobs).toMatchObject({ status: 'up', intervalSeconds: 0 });
    });

    const resolvedAt = async (start: Date, subject: string, description: string) => {
      now = start;
      const res = await capture({ subject, description }).expect(201);
      await t.http().post(`/api/v1/tickets/${res.body.folio}/transitions`).set(agent).send({ to: 'resolved', message: 'Quedó atendido.' }).expect(200);
      return res.body.folio as string;
    };
    const statusOf = async (folio: string) => (await t.db.query(`SELECT status FROM tickets WHERE folio = $1`, [folio]))[0].status;

    it('does not close a resolved ticket the citizen answered after the resolution', async () => {
      const start = new Date(Date.now() + 60_000);
      const answered = await resolvedAt(start, 'Ruido', 'mucho ruido en la noche');
      // resolved at the same time, no answer: the job does run and close this one in the same pass
      const control = await resolvedAt(start, 'Ruido', 'bocinas a todo volumen');
      // a message of the citizen that, for whatever reason, did not move the status
      await t.db.query(
        `INSERT INTO messages (ticket_id, direction, channel, body_text, created_at)
         SELECT id, 'inbound', 'email', 'respuesta', $2 FROM tickets WHERE folio = $1`,
        [answered, new Date(start.getTime() + 3_600_000)],
      );
      now = new Date(start.getTime() + 30 * DAY);
      expect(await t.app.get(SlaJobsService).autoClose()).toBe(1);
      expect(await statusOf(control)).toBe('closed');
      expect(await statusOf(answered)).toBe('resolved');
    });

    it('closes a resolved ticket whose only later messages are a third party’s reply or a staff note', async () => {
      const start = new Date(Date.now() + 60_000);
      const thirdParty = await resolvedAt(start, 'Basura', 'basura tirada en el camellón');
      const noted = await resolvedAt(start, 'Basura', 'bolsas de basura en la esquina');
      const answered = await resolvedAt(start, 'Basura', 'basura junto al mercado');
      const after = new Date(start.getTime() + 3_600_000);
      // a neighbour in copy answers the "Atendido" email: kept for staff, non-public, no status change
      await t.db.query(
        `INSERT INTO messages (ticket_id, direction, channel, body_text, public, meta, created_at)
         SELECT id, 'inbound', 'email', 'Yo también vivo ahí', false, '{"thirdParty": true}', $2 FROM tickets WHERE folio = $1`,
        [thirdParty, after],
      );
      await t.db.query(
        `INSERT INTO messages (ticket_id, direction, channel, body_text, public, created_at)
         SELECT id, 'note', 'staff', 'Se verificó en sitio', false, $2 FROM tickets WHERE folio = $1`,
        [noted, after],
      );
      await t.db.query(
        `INSERT INTO messages (ticket_id, direction, channel, body_text, created_at)
         SELECT id, 'inbound', 'email', 'Sigue igual', $2 FROM tickets WHERE folio = $1`,
        [answered, after],
      );
      now = new Date(start.getTime() + 8 * DAY);
      expect(await t.app.get(SlaJobsService).autoClose()).toBe(2);
      expect(await statusOf(thirdParty)).toBe('closed');
      expect(await statusOf(noted)).toBe('closed');
      expect(await statusOf(answered)).toBe('resolved');
    });

    it('closes a resolved ticket whose only answer was automatic mail (an out-of-office reply, a bounce)', async () => {
      const res = await capture({ subject: 'Poda', description: 'árbol sobre los cables' }).expect(201);
      const start = new Date(Date.now() + 60_000);
      now = start;
      await t.http().post(`/api/v1/tickets/${res.body.folio}/transitions`).set(agent).send({ to: 'resolved', message: 'Se podó el árbol.' }).expect(200);
      await t.db.query(
        `INSERT INTO messages (ticket_id, direction, channel, body_text, public, meta, created_at)
         SELECT id, 'inbound', 'email', 'Estoy fuera de la oficina', false, '{"automated": true, "kind": "auto_reply"}', $2 FROM tickets WHERE folio = $1`,
        [res.body.folio, new Date(start.getTime() + 3_600_000)],
      );
      now = new Date(start.getTime() + 8 * DAY);
      await t.app.get(SlaJobsService).autoClose();
      const detail = await t.http().get(`/api/v1/tickets/${res.body.folio}`).set(agent).expect(200);
      expect(detail.body.status).toBe('closed');
    });

    it('keeps closing when more than a batch of resolved tickets is held open by citizens\' messages', async () => {
      const start = new Date(Date.now() + 60_000);
      now = start;
      const held = await capture({ subject: 'Fuga', description: 'fuga de agua' }).expect(201);
      await t.http().post(`/api/v1/tickets/${held.body.folio}/transitions`).set(agent).send({ to: 'resolved', message: 'Se reparó la fuga.' }).expect(200);
      // 250 copies of it, resolved earlier than the next one and each answered by its citizen
      await t.db.query(
        `WITH src AS (SELECT * FROM tickets WHERE folio = $1),
         copies AS (
           INSERT INTO tickets (folio, subject, description, status, priority, channel, public_token, status_changed_at, resolved_at, created_at)
           SELECT 'SLP-2026-9' || lpad(g::text, 5, '0'), src.subject, src.description, 'resolved', src.priority, src.channel,
                  'copy-' || g, src.status_changed_at, $2::timestamptz - make_interval(secs => g), src.created_at
           FROM src, generate_series(1, 250) g
           RETURNING id, resolved_at
         )
         INSERT INTO messages (ticket_id, direction, channel, body_text, created_at)
         SELECT id, 'inbound', 'email', 'sigue igual', resolved_at + interval '1 hour' FROM copies`,
        [held.body.folio, start],
      );
      const closable = await capture({ subject: 'Luminaria', description: 'luminaria apagada' }).expect(201);
      now = new Date(start.getTime() + 60_000);
      await t.http().post(`/api/v1/tickets/${closable.body.folio}/transitions`).set(agent).send({ to: 'resolved', message: 'Se cambió la lámpara.' }).expect(200);
      now = new Date(start.getTime() + 30 * DAY);
      await t.app.get(SlaJobsService).autoClose();
      const status = async (folio: string) => (await t.db.query(`SELECT status FROM tickets WHERE folio = $1`, [folio]))[0].status;
      expect(await status(closable.body.folio)).toBe('closed');
      expect(await t.db.query(`SELECT count(*)::int AS n FROM tickets WHERE folio LIKE 'SLP-2026-9%' AND status = 'resolved'`)).toEqual([{ n: 250 }]);
    });
  });

  describe('duplicate suggestions', () => {
    it('lists open tickets of the same category and colonia with near-identical text', async () => {
      now = new Date();
      const first = await capture({
        subject: 'Fuga de agua en la calle Morelos',
        description: 'Hay una fuga de agua potable frente al número 245 de la calle Morelos desde ayer',
        colonia: 'Tequisquiapan',
      }).expect(201);
      const otherColonia = await capture({
        subject: 'Fuga de agua en la calle Morelos',
        description: 'Hay una fuga de agua potable frente al número 245 de la calle Morelos desde ayer',
        colonia: 'Centro',
      }).expect(201);
      const unrelated = await capture({ subject: 'Fuga en la toma', description: 'Se tira el agua en el parque de la colonia, cerca de los juegos', colonia: 'Tequisquiapan' }).expect(201);
      const second = await capture({
        subject: 'fuga de agua calle Morelos',
        description: 'Hay una fuga de agua potable enfrente del numero 245 de la calle Morelos desde ayer en la tarde',
        colonia: 'TEQUISQUIAPAN',
      }).expect(201);
      const ev = second.body.events.find((e: { type: string }) => e.type === 'duplicates_suggested');
      expect(ev.data.candidates.map((c: { folio: string }) => c.folio)).toEqual([first.body.folio]);

      const res = await t.http().get(`/api/v1/tickets/${second.body.folio}/duplicates`).set(agent).expect(200);
      const folios = res.body.candidates.map((c: { folio: string }) => c.folio);
      expect(folios).toEqual([first.body.folio]);
      expect(folios).not.toContain(otherColonia.body.folio);
      expect(folios).not.toContain(unrelated.body.folio);
      expect(res.body.candidates[0].similarity).toBeGreaterThan(0.45);
      expect(res.body.candidates[0].statusLabel).toBe('Recibido');

      // once merged (rejected), it is no longer a candidate
      await t.http().post(`/api/v1/tickets/${first.body.folio}/merge`).set(supervisor).send({ intoFolio: second.body.folio }).expect(200);
      const after = await t.http().get(`/api/v1/tickets/${second.body.folio}/duplicates`).set(agent).expect(200);
      expect(after.body.candidates).toEqual([]);
      await t.http().get('/api/v1/tickets/SLP-2026-999999/duplicates').set(agent).expect(404);
    });

    it('compares only with reports of the last months: an old open ticket is not suggested', async () => {
      const text = { subject: 'Poste de luz caído en la calle Zaragoza', description: 'Un poste de luz está caído sobre la banqueta de la calle Zaragoza esquina con Hidalgo', colonia: 'Barrio de San Miguelito' };
      now = new Date();
      const old = await capture(text).expect(201);
      now = new Date(Date.now() + (DUPLICATE_MAX_AGE_DAYS + 1) * DAY);
      const recent = await capture(text).expect(201);
      const again = await capture(text).expect(201);
      expect(recent.body.events.some((e: { type: string }) => e.type === 'duplicates_suggested')).toBe(false);
      const ev = again.body.events.find((e: { type: string }) => e.type === 'duplicates_suggested');
      expect(ev.data.candidates.map((c: { folio: string }) => c.folio)).toEqual([recent.body.folio]);
      expect(ev.data.candidates.map((c: { folio: string }) => c.folio)).not.toContain(old.body.folio);
      now = new Date();
    });
  });
  describe('metrics', () => {
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const overdueGauge = async () => value((await t.http().get('/metrics').expect(200)).text, 'enlace_tickets_overdue');
    /** The Clock's instant for the overdue tickets below: long before any ticket the other tests capture (today, or days ahead). */
    const T = new Date('2000-01-01T12:00:00Z');
    const HOUR = 3_600_000;
    const at = (ms: number) => new Date(T.getTime() + ms);

    // tickets of this describe's own, with due dates at known distances from T (not from the database's now())
    beforeAll(async () => {
      const seeds: Array<[string, string, Date | null, Date | null, Date | null]> = [
        // folio suffix, status, first_response_due_at, resolution_due_at, first_responded_at
        ['01', 'new', at(DAY), at(-HOUR), null], // overdue at T: resolution an hour late
        ['02', 'assigned', at(-60_000), at(10 * DAY), null], // overdue at T: unanswered a minute past the first-response date
        ['03', 'waiting_citizen', at(-2 * HOUR), at(-1000), at(-3 * HOUR)], // overdue at T: waiting on the citizen is still open
        ['04', 'in_progress', at(-HOUR), at(DAY), at(-2 * HOUR)], // answered in time, resolution a day ahead: overdue only from T + 1 day
        ['05', 'resolved', at(-2 * DAY), at(-DAY), null], // not open: never overdue
        ['06', 'closed', at(-2 * DAY), at(-DAY), null],
        ['07', 'rejected', at(-2 * DAY), at(-DAY), null],
        ['08', 'new', at(HOUR), at(DAY), null], // first response due an hour after T: overdue from T + 1 hour
        ['09', 'new', null, null, null], // no due dates: never overdue
      ];
      for (const [n, status, firstDue, resolutionDue, responded] of seeds) {
        await t.db.query(
          `INSERT INTO tickets (folio, subject, description, status, channel, public_token, first_response_due_at, resolution_due_at, first_responded_at, status_changed_at, created_at)
           VALUES ($1, 'Métricas', 'ticket de las métricas', $2, 'phone', $3, $4, $5, $6, $7, $7)`,
          [`SLP-2000-M000${n}`, status, `metrics-${n}`, firstDue, resolutionDue, responded, at(-3 * DAY)],
        );
      }
    });
    afterAll(() => {
      now = new Date();
    });

    it('exposes tickets by channel, open by status, intake and outbox lag', async () => {
      now = new Date();
      const [{ n: phone }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets WHERE channel = 'phone'`);
      const [{ n: fresh }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets WHERE status = 'new'`);
      const [{ n: waiting }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets WHERE status = 'waiting_citizen'`);
      expect(phone).toBeGreaterThanOrEqual(9);
      expect(waiting).toBeGreaterThanOrEqual(1);
      let res = await t.http().get('/metrics').expect(200);
      expect(value(res.text, 'enlace_tickets_total{channel="phone"}')).toBe(phone);
      expect(value(res.text, 'enlace_tickets_open{status="new"}')).toBe(fresh);
      expect(value(res.text, 'enlace_tickets_open{status="waiting_citizen"}')).toBe(waiting);
      expect(value(res.text, 'enlace_intake_lag_seconds')).toBeGreaterThanOrEqual(0);
      const [{ n: queued }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE state = 'queued'`);
      expect(value(res.text, 'enlace_outbox_queued{channel="email"}') ?? 0).toBe(queued);

      await t.db.query(`INSERT INTO messages (ticket_id, direction, channel, body_text, created_at) SELECT min(id), 'inbound', 'email', 'x', now() - interval '10 minutes' FROM tickets`);
      await t.db.query(`UPDATE messages SET created_at = now() - interval '10 minutes' WHERE direction = 'inbound'`);
      await t.db.query(`UPDATE outbox SET state = 'sent', sent_at = now() WHERE state = 'queued'`);
      await t.db.query(
        `INSERT INTO outbox (channel, kind, recipient, state, created_at) VALUES ('email', 'test', 'x@pruebas.mx', 'queued', now() - interval '120 seconds'),
                ('email', 'test', 'y@pruebas.mx', 'sent', now() - interval '1 day')`,
      );
      res = await t.http().get('/metrics').expect(200);
      expect(value(res.text, 'enlace_intake_lag_seconds')).toBeGreaterThanOrEqual(600);
      expect(value(res.text, 'enlace_outbox_queued{channel="email"}')).toBe(1);
      expect(value(res.text, 'enlace_outbox_oldest_queued_seconds{channel="email"}')).toBeGreaterThanOrEqual(120);
      expect(value(res.text, 'enlace_outbox_oldest_queued_seconds{channel="email"}')).toBeLessThan(3600);
    });

    it("counts overdue tickets at the app's Clock, not the database's now()", async () => {
      // by the database's clock (today) 01, 02, 03, 04 and 08 are all late: 5 or more
      now = at(-DAY);
      expect(await overdueGauge()).toBe(0); // a day before T no open ticket is past a date yet
      now = T;
      expect(await overdueGauge()).toBe(3); // 01, 02, 03
      now = at(2 * HOUR);
      expect(await overdueGauge()).toBe(4); // + 08
      now = at(2 * DAY);
      expect(await overdueGauge()).toBe(5); // + 04
      // answering the first response takes 02 off; resolving 01 takes it off
      await t.db.query(`UPDATE tickets SET first_responded_at = $1 WHERE folio = 'SLP-2000-M00002'`, [at(-HOUR)]);
      await t.db.query(`UPDATE tickets SET status = 'resolved', resolved_at = $1 WHERE folio = 'SLP-2000-M00001'`, [at(-HOUR)]);
      expect(await overdueGauge()).toBe(3); // 03, 04, 08
    });
  });
});
