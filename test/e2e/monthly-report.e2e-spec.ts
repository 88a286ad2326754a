// the app (and its entities) first: the entity files import each other
import { startTestApp, TestApp } from '../support/test-app';
import { Clock } from '../../src/common/clock';
import { IntakeService } from '../../src/intake/intake.service';
import type { TicketChannel } from '../../src/tickets/ticket-channel';

/** Mexico City wall-clock time in 2021–2022 outside daylight-saving time (UTC−6). */
const local = (s: string) => new Date(`${s.replace(' ', 'T')}:00-06:00`);

/**
 * A seeded November 2021, built through the real intake and workflow with the clock moved to each
 * moment, then the report checked figure by figure in JSON, CSV and HTML.
 */
describe('monthly report (real PostgreSQL, seeded month)', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  let supervisor: Record<string, string>;
  let press: Record<string, string>;
  let pressId: string;
  let now = new Date();
  let n = 0;

  const at = (s: string) => {
    now = local(s);
  };
  /**
   * Tickets and their status stamps follow the Clock; the audit events take the database's time.
   * Move the events written by the last step to the step's moment (everything seeded is in 2021).
   */
  const stampEvents = () => t.db.query(`UPDATE ticket_events SET created_at = $1 WHERE created_at > '2025-01-01'`, [now]);
  const intake = async (when: string, channel: TicketChannel, subject: string, colonia: string | null, extra: { forwardedById?: string } = {}) => {
    at(when);
    const r = await t.app.get(IntakeService).receive({
      channel,
      externalId: `seed-${++n}`,
      sender: { name: null, identities: [] },
      subject,
      text: subject,
      ticket: colonia ? { colonia } : {},
      ...extra,
    });
    await stampEvents();
    return r.folio;
  };
  const capture = async (when: string, channel: 'phone' | 'walk_in', subject: string, description: string, colonia?: string) => {
    at(when);
    const res = await t.http().post('/api/v1/tickets').set(agent).send({ channel, subject, description, ...(colonia ? { colonia } : {}) }).expect(201);
    await stampEvents();
    return res.body.folio as string;
  };
  const move = async (folio: string, when: string, to: string, extra: Record<string, unknown> = {}, auth = agent) => {
    at(when);
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(auth).send({ to, ...extra }).expect(200);
    await stampEvents();
  };

  beforeAll(async () => {
    t = await startTestApp({ SLA_JOBS_INTERVAL_SECONDS: '0', TZ_CITY: 'America/Mexico_City' });
    agent = (await t.user('agent')).auth;
    supervisor = (await t.user('supervisor')).auth;
    const p = await t.user('press');
    press = p.auth;
    pressId = p.user.id;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));

    // October, last minute (after the end of daylight-saving time on 31 Oct 2021)
    await intake('2021-10-31 23:59', 'telegram', 'Luminaria apagada en la esquina', 'Centro');
    // November
    const t1 = await intake('2021-11-02 10:00', 'email', 'Bache enorme en Av. Himno Nacional', 'Tequisquiapan');
    await move(t1, '2021-11-02 14:00', 'in_progress');
    await move(t1, '2021-11-10 10:00', 'resolved', { message: 'Se bacheó la avenida.' });
    const t2 = await intake('2021-11-05 08:00', 'whatsapp', 'Luminaria apagada en la calle Mariano Otero', 'Tequisquiapan');
    at('2021-11-06 08:00');
    const alumbrado = (await t.db.query(`SELECT id FROM areas WHERE code = 'alumbrado-publico'`))[0].id;
    await t.http().post(`/api/v1/tickets/${t2}/assign`).set(supervisor).send({ areaId: alumbrado }).expect(200);
    await stampEvents();
    const t3 = await intake('2021-11-10 09:00', 'messenger', 'Fuga de agua en la calle Zaragoza', 'Centro');
    await move(t3, '2021-11-20 09:00', 'in_progress');
    await move(t3, '2021-11-25 09:00', 'resolved', { message: 'Interapas reparó la fuga.' });
    await move(t3, '2021-11-28 09:00', 'closed');
    await intake('2021-11-15 12:00', 'x', 'Basura no recolectada desde hace una semana', 'tequisquiapan ', { forwardedById: pressId });
    const t5 = await capture('2021-11-20 10:00', 'phone', 'Ruido excesivo', 'Fiesta con bocinas hasta la madrugada', 'Centro');
    await move(t5, '2021-11-20 12:00', 'in_progress');
    await move(t5, '2021-11-21 10:00', 'resolved', { message: 'Se visitó el domicilio.' });
    await move(t5, '2021-11-22 10:00', 'in_progress'); // reopened
    const t9 = await capture('2021-11-12 10:00', 'phone', 'Consulta', 'Quisiera saber el horario de la presidencia');
    await move(t9, '2021-11-12 11:00', 'rejected', { reason: 'No es un reporte' });
    // 23:30 on the last day of November belongs to November
    await capture('2021-11-30 23:30', 'walk_in', 'Bache en la lateral', 'Un bache en la lateral de la carretera');
    // December
    await intake('2021-12-01 00:30', 'email', 'Bache frente a la escuela', null);
    await move(t3, '2021-12-02 10:00', 'in_progress', {}, supervisor); // a reopening in December
    await move(t1, '2021-12-03 10:00', 'closed'); // after the month end: still "resolved" in November
    now = new Date();
  });
  afterAll(() => t.close());

  const get = (query: Record<string, string>, auth = supervisor) => t.http().get('/api/v1/reports/monthly').query(query).set(auth);

  it('computes November 2021 figure by figure (JSON)', async () => {
    const res = await get({ month: '2021-11' }).expect(200);
    const r = res.body;
    expect(r.period).toEqual({ start: '2021-11-01T06:00:00.000Z', end: '2021-12-01T06:00:00.000Z' });
    expect(r.scope).toBe('all');
    expect(r.received.total).toBe(7);
    expect(r.received.byOrigin).toEqual({ email: 1, social: 2, forwarded: 1, capture: 3 });
    expect(r.received.byChannel.map((c: { key: string; count: number }) => [c.key, c.count])).toEqual([
      ['phone', 2],
      ['email', 1],
      ['messenger', 1],
      ['walk_in', 1],
      ['whatsapp', 1],
      ['x', 1],
    ]);
    expect(r.byCategory.map((c: { label: string; count: number }) => [c.label, c.count])).toEqual([
      ['Bache', 2],
      ['Basura no recolectada', 1],
      ['Fuga de agua', 1],
      ['Luminaria apagada', 1],
      ['Ruido', 1],
      ['Sin categoría', 1],
    ]);
    expect(r.byArea.map((c: { label: string; count: number }) => [c.label, c.count])).toEqual([
      ['Obras Públicas', 2],
      ['Alumbrado Público', 1],
      ['Aseo Público', 1],
      ['Ecología', 1],
      ['Interapas (agua)', 1],
      ['Sin área', 1],
    ]);
    expect(Object.fromEntries(r.statusAtMonthEnd.map((s: { key: string; count: number }) => [s.key, s.count]))).toEqual({
      new: 2,
      assigned: 1,
      in_progress: 1,
      waiting_citizen: 0,
      resolved: 1,
      closed: 1,
      rejected: 1,
    });
    expect(r.firstResponse).toEqual({ count: 5, medianHours: 4, p90Hours: 240 });
    expect(r.resolution).toEqual({ count: 2, medianHours: 276, p90Hours: 360 });
    expect(r.withinTarget).toEqual({
      firstResponse: { met: 4, missed: 2, pending: 1, share: 4 / 6 },
      resolution: { met: 2, missed: 0, pending: 4, share: 1 },
    });
    expect(r.reopened).toBe(1);
    expect(r.mergedDuplicates).toBe(0);
    expect(r.topColonias).toEqual([
      { key: 'tequisquiapan', label: 'Tequisquiapan', count: 3 },
      { key: 'centro', label: 'Centro', count: 2 },
    ]);
    expect(r.summary).toBe(
      'Durante noviembre de 2021 se recibieron 7 reportes ciudadanos por redes sociales, correo institucional y atención telefónica y presencial, ' +
        'de los cuales 3 llegaron por redes sociales (1 reenviado por la Dirección de Comunicación Social), 1 por correo institucional ' +
        'y 3 fueron captados por teléfono o en ventanilla. Los temas más frecuentes fueron bache (2), basura no recolectada (1) y fuga de agua (1). ' +
        'Al cierre del mes, 2 habían sido atendidos, 1 no procedió y 4 seguían en proceso. ' +
        'El 66.7% de los reportes con plazo cumplido o vencido recibió primera respuesta a tiempo y el 100% se atendió dentro del plazo establecido. ' +
        'Se reabrió 1 reporte. Las colonias con más reportes fueron Tequisquiapan (3) y Centro (2).',
    );
  });

  it('puts the month boundaries in Mexico City time (October and December)', async () => {
    const oct = (await get({ month: '2021-10' }).expect(200)).body;
    expect(oct.received.total).toBe(1);
    expect(oct.received.byChannel).toEqual([{ key: 'telegram', label: 'Telegram', count: 1 }]);
    const dec = (await get({ month: '2021-12' }).expect(200)).body;
    expect(dec.received.total).toBe(1);
    expect(dec.received.byChannel).toEqual([{ key: 'email', label: 'Correo institucional', count: 1 }]);
    expect(dec.reopened).toBe(1);
    const jan = (await get({ month: '2022-01' }).expect(200)).body;
    expect(jan.received.total).toBe(0);
    expect(jan.summary).toBe('Durante enero de 2022 no se recibieron reportes ciudadanos.');
  });

  it('chooses the format from Accept when ?format= is absent (?format= wins)', async () => {
    const csv = await get({ month: '2021-11' }).set('Accept', 'text/csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers.vary).toMatch(/Accept/);
    const html = await get({ month: '2021-11' }).set('Accept', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8').expect(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    const json = await get({ month: '2021-11' }).set('Accept', '*/*').expect(200);
    expect(json.body.received.total).toBeGreaterThan(0);
    const forced = await get({ month: '2021-11', format: 'json' }).set('Accept', 'text/csv').expect(200);
    expect(forced.headers['content-type']).toMatch(/^application\/json/);
  });

  it('gives the same figures as CSV', async () => {
    const res = await get({ month: '2021-11', format: 'csv' }).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="informe-mensual-2021-11.csv"');
    expect(res.text.startsWith('\uFEFFsection,key,label,value\r\n')).toBe(true);
    const rows = new Map<string, string>();
    for (const line of res.text.slice(1).trim().split('\r\n').slice(1)) {
      const m = /^([a-z_]+),((?:"[^"]*")+|[^,]*),((?:"[^"]*")+|[^,]*),(.*)$/.exec(line);
      if (!m) throw new Error(`unparsable CSV line: ${line}`);
      const unq = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);
      rows.set(`${m[1]}.${unq(m[2])}`, unq(m[4]));
    }
    expect(Object.fromEntries([...rows].filter(([k]) => k !== 'summary.text'))).toEqual({
      'report.month': '2021-11',
      'report.scope': 'Todos los canales',
      'report.time_zone': 'America/Mexico_City',
      'received.total': '7',
      'merged_duplicates.count': '0',
      'origin.email': '1',
      'origin.social': '2',
      'origin.forwarded': '1',
      'origin.capture': '3',
      'channel.phone': '2',
      'channel.email': '1',
      'channel.messenger': '1',
      'channel.walk_in': '1',
      'channel.whatsapp': '1',
      'channel.x': '1',
      'category.Bache': '2',
      'category.Basura no recolectada': '1',
      'category.Fuga de agua': '1',
      'category.Luminaria apagada': '1',
      'category.Ruido': '1',
      'category.Sin categoría': '1',
      'area.Obras Públicas': '2',
      'area.Alumbrado Público': '1',
      'area.Aseo Público': '1',
      'area.Ecología': '1',
      'area.Interapas (agua)': '1',
      'area.Sin área': '1',
      'status_at_month_end.new': '2',
      'status_at_month_end.assigned': '1',
      'status_at_month_end.in_progress': '1',
      'status_at_month_end.waiting_citizen': '0',
      'status_at_month_end.resolved': '1',
      'status_at_month_end.closed': '1',
      'status_at_month_end.rejected': '1',
      'first_response.count': '5',
      'first_response.median_hours': '4',
      'first_response.p90_hours': '240',
      'resolution.count': '2',
      'resolution.median_hours': '276',
      'resolution.p90_hours': '360',
      'within_target.first_response_met': '4',
      'within_target.first_response_missed': '2',
      'within_target.first_response_pending': '1',
      'within_target.first_response_share_pct': '66.7',
      'within_target.resolution_met': '2',
      'within_target.resolution_missed': '0',
      'within_target.resolution_pending': '4',
      'within_target.resolution_share_pct': '100',
      'reopened.count': '1',
      'top_colonia.tequisquiapan': '3',
      'top_colonia.centro': '2',
    });
    expect(rows.get('summary.text')).toMatch(/^Durante noviembre de 2021 se recibieron 7 reportes ciudadanos/);
  });

  it('gives the same figures as printable HTML with no external assets', async () => {
    const res = await get({ month: '2021-11', format: 'html' }).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.text;
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="es-MX">/);
    expect(html).toContain('Informe mensual de Atención Ciudadana — noviembre de 2021');
    expect(html).not.toMatch(/<(link|img|script|iframe)\b|url\(|@import|src=|https?:\/\//i);
    expect(html.match(/<section class="page"/g)).toHaveLength(6);
    expect(html).toContain('page-break-after: always');
    expect(html).toContain('Periodo: del 1 al 30 de noviembre de 2021, hora local (America/Mexico_City).');
    const figures = Object.fromEntries([...html.matchAll(/data-figure="([^"]+)">([^<]*)</g)].map((m) => [m[1], m[2]]));
    expect(figures).toEqual({
      'received.total': '7',
      'merged_duplicates.count': '0',
      'status.attended': '2',
      'within_target.first_response_share': '66.7%',
      'within_target.resolution_share': '100%',
      'reopened.count': '1',
      'origin.email': '1',
      'origin.social': '2',
      'origin.forwarded': '1',
      'origin.capture': '3',
      'channel.phone': '2',
      'channel.email': '1',
      'channel.messenger': '1',
      'channel.walk_in': '1',
      'channel.whatsapp': '1',
      'channel.x': '1',
      'category.Bache': '2',
      'category.Basura no recolectada': '1',
      'category.Fuga de agua': '1',
      'category.Luminaria apagada': '1',
      'category.Ruido': '1',
      'category.Sin categoría': '1',
      'area.Obras Públicas': '2',
      'area.Alumbrado Público': '1',
      'area.Aseo Público': '1',
      'area.Ecología': '1',
      'area.Interapas (agua)': '1',
      'area.Sin área': '1',
      'status.new': '2',
      'status.assigned': '1',
      'status.in_progress': '1',
      'status.waiting_citizen': '0',
      'status.resolved': '1',
      'status.closed': '1',
      'status.rejected': '1',
      'first_response.count': '5',
      'first_response.median': '4 h',
      'first_response.p90': '240 h (10 días)',
      'within_target.first_response_met': '4',
      'within_target.first_response_missed': '2',
      'within_target.first_response_pending': '1',
      'resolution.count': '2',
      'resolution.median': '276 h (11.5 días)',
      'resolution.p90': '360 h (15 días)',
      'within_target.resolution_met': '2',
      'within_target.resolution_missed': '0',
      'within_target.resolution_pending': '4',
      'colonia.tequisquiapan': '3',
      'colonia.centro': '2',
    });
    expect(html).toContain('Durante noviembre de 2021 se recibieron 7 reportes ciudadanos');
  });

  it('shows the press office only the social-channel part', async () => {
    const r = (await get({ month: '2021-11' }, press).expect(200)).body;
    expect(r.scope).toBe('social');
    expect(r.received.total).toBe(3);
    expect(r.received.byOrigin).toEqual({ email: 0, social: 2, forwarded: 1, capture: 0 });
    expect(r.received.byChannel.map((c: { key: string }) => c.key)).toEqual(['messenger', 'whatsapp', 'x']);
    expect(Object.fromEntries(r.statusAtMonthEnd.filter((s: { count: number }) => s.count).map((s: { key: string; count: number }) => [s.key, s.count]))).toEqual({
      new: 1,
      assigned: 1,
      closed: 1,
    });
    expect(r.firstResponse).toEqual({ count: 2, medianHours: 132, p90Hours: 240 });
    expect(r.resolution).toEqual({ count: 1, medianHours: 360, p90Hours: 360 });
    expect(r.withinTarget.firstResponse).toEqual({ met: 1, missed: 2, pending: 0, share: 1 / 3 });
    expect(r.reopened).toBe(0);
    expect(r.topColonias.map((c: { label: string; count: number }) => [c.label, c.count])).toEqual([
      ['Tequisquiapan', 2],
      ['Centro', 1],
    ]);
    expect(r.summary).toMatch(/^Durante noviembre de 2021 se recibieron 3 reportes ciudadanos por redes sociales, de los cuales 1 fue reenviado por la Dirección de Comunicación Social\./);
    const csv = await get({ month: '2021-11', format: 'csv' }, press).expect(200);
    expect(csv.headers['content-disposition']).toContain('informe-mensual-2021-11-redes-sociales.csv');
    expect(csv.text).not.toMatch(/^channel,phone/m);
    const html = await get({ month: '2021-11', format: 'html' }, press).expect(200);
    expect(html.text).toContain('data-figure="received.total">3<');
  });

  it('refuses agents and bad parameters', async () => {
    await get({ month: '2021-11' }, agent).expect(403);
    const bad = await get({ month: '2021-13', format: 'pdf' }).expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['format', 'month']);
    await get({}).expect(400);
  });

  /**
   * February 2022 (UTC−6): final resolutions after reopenings, a report reopened twice, a duplicate
   * merged within the month and one merged only after the month end.
   */
  describe('reopenings, final resolution and merged duplicates (February 2022)', () => {
    let a: string;
    let b: string;
    let c: string;
    let e: string;
    beforeAll(async () => {
      // A: resolved 3 Feb, reopened, waiting for the citizen, closed 25 Feb → resolved on 25 Feb
      a = await intake('2022-02-01 10:00', 'email', 'Bache enorme en la calle Reforma', 'Tequisquiapan');
      await move(a, '2022-02-01 12:00', 'in_progress');
      await move(a, '2022-02-03 10:00', 'resolved', { message: 'Se bacheó la calle.' });
      await move(a, '2022-02-04 10:00', 'in_progress'); // the citizen says it is still there
      await move(a, '2022-02-05 10:00', 'waiting_citizen', { message: '¿Nos confirma el número exterior?' });
      await move(a, '2022-02-25 10:00', 'closed');
      // B: closed without a "resolved", reopened by a supervisor, closed again on 10 Feb → resolved on 10 Feb
      b = await intake('2022-02-02 10:00', 'email', 'Luminaria apagada en el jardín', 'Centro');
      await move(b, '2022-02-02 12:00', 'waiting_citizen', { message: '¿Cuál es el número del poste?' });
      await move(b, '2022-02-04 10:00', 'closed');
      await move(b, '2022-02-06 10:00', 'in_progress', {}, supervisor);
      await move(b, '2022-02-06 12:00', 'waiting_citizen', { message: '¿Sigue apagada?' });
      await move(b, '2022-02-10 10:00', 'closed');
      // C: reopened twice, still open at the month end
      c = await intake('2022-02-03 09:00', 'email', 'Basura no recolectada en la calle', null);
      await move(c, '2022-02-04 09:00', 'resolved', { message: 'Se recolectó.' });
      await move(c, '2022-02-05 09:00', 'in_progress');
      await move(c, '2022-02-06 09:00', 'resolved', { message: 'Se recolectó de nuevo.' });
      await move(c, '2022-02-07 09:00', 'in_progress');
      // D: a duplicate of A by WhatsApp, merged an hour later
      const d = await intake('2022-02-08 10:00', 'whatsapp', 'Bache enorme en la calle Reforma, ya lo había reportado', 'Tequisquiapan');
      at('2022-02-08 11:00');
      await t.http().post(`/api/v1/tickets/${d}/merge`).set(supervisor).send({ intoFolio: a }).expect(200);
      await stampEvents();
      // E: merged only in March: a report like any other as of the end of February
      e = await intake('2022-02-20 10:00', 'telegram', 'Fuga de agua en la banqueta', 'Centro');
      at('2022-03-02 10:00');
      await t.http().post(`/api/v1/tickets/${e}/merge`).set(supervisor).send({ intoFolio: c }).expect(200);
      await stampEvents();
      now = new Date();
    });

    it('measures resolution at the final move to Atendido/Cerrado after the last reopening', async () => {
      const r = (await get({ month: '2022-02' }).expect(200)).body;
      // A: 1 Feb 10:00 → 25 Feb 10:00 = 576 h (not 3 Feb, 48 h); B: 2 Feb 10:00 → 10 Feb 10:00 = 192 h (not its first close, 48 h)
      expect(r.resolution).toEqual({ count: 2, medianHours: 384, p90Hours: 576 });
      expect(Object.fromEntries(r.statusAtMonthEnd.filter((s: { count: number }) => s.count).map((s: { key: string; count: number }) => [s.key, s.count]))).toEqual({
        new: 1,
        in_progress: 1,
        closed: 2,
      });
    });

    it('counts reports reopened, not reopenings', async () => {
      const r = (await get({ month: '2022-02' }).expect(200)).body;
      expect(r.reopened).toBe(3); // A once, B once, C twice
      expect(r.summary).toContain('Se reabrieron 3 reportes.');
    });

    it('counts a merged duplicate apart, in no other figure, in JSON, CSV and HTML', async () => {
      const r = (await get({ month: '2022-02' }).expect(200)).body;
      expect(r.mergedDuplicates).toBe(1);
      expect(r.received.total).toBe(4);
      expect(r.received.byOrigin).toEqual({ email: 3, social: 1, forwarded: 0, capture: 0 });
      expect(r.received.byChannel.map((c: { key: string; count: number }) => [c.key, c.count])).toEqual([
        ['email', 3],
        ['telegram', 1],
      ]);
      expect(r.byCategory.map((c: { label: string; count: number }) => [c.label, c.count])).toEqual([
        ['Bache', 1],
        ['Basura no recolectada', 1],
        ['Fuga de agua', 1],
        ['Luminaria apagada', 1],
      ]);
      expect(r.statusAtMonthEnd.find((s: { key: string }) => s.key === 'rejected').count).toBe(0);
      // the merge (new → rejected) is no first response: A 2 h, B 2 h, C 24 h
      expect(r.firstResponse).toEqual({ count: 3, medianHours: 2, p90Hours: 24 });
      const fr = r.withinTarget.firstResponse;
      expect(fr.met + fr.missed + fr.pending).toBe(4);
      expect(r.topColonias.map((c: { label: string; count: number }) => [c.label, c.count])).toEqual([
        ['Centro', 2],
        ['Tequisquiapan', 1],
      ]);
      expect(r.summary).toContain(
        'Además se recibió 1 reporte duplicado, que se fusionó con el reporte original y no se incluye en estas cifras.',
      );

      const csv = (await get({ month: '2022-02', format: 'csv' }).expect(200)).text;
      expect(csv).toContain('\r\nreceived,total,Reportes recibidos,4\r\n');
      expect(csv).toContain('\r\nmerged_duplicates,count,Duplicados fusionados (no incluidos en las demás cifras),1\r\n');
      expect(csv).not.toMatch(/^channel,whatsapp/m);
      const html = (await get({ month: '2022-02', format: 'html' }).expect(200)).text;
      expect(html).toContain('data-figure="received.total">4<');
      expect(html).toContain('<th scope="row">Duplicados fusionados (no incluidos en las demás cifras)</th><td data-figure="merged_duplicates.count">1</td>');
      expect(html).not.toContain('data-figure="channel.whatsapp"');

      // the press office's part: its duplicate (WhatsApp) apart, the Telegram report counted
      const social = (await get({ month: '2022-02' }, press).expect(200)).body;
      expect(social.mergedDuplicates).toBe(1);
      expect(social.received.total).toBe(1);
    });

    it('leaves a month already past as it was when a duplicate is merged later', async () => {
      const mar = (await get({ month: '2022-03' }).expect(200)).body;
      expect(mar.received.total).toBe(0);
      expect(mar.mergedDuplicates).toBe(0);
      const feb = (await get({ month: '2022-02' }).expect(200)).body;
      expect(feb.received.byChannel.find((c: { key: string }) => c.key === 'telegram').count).toBe(1);
      expect(Object.fromEntries(feb.statusAtMonthEnd.map((s: { key: string; count: number }) => [s.key, s.count])).new).toBe(1);
      expect(feb.mergedDuplicates).toBe(1); // D only: E (merged in March) was not a duplicate yet
    });
  });
});
