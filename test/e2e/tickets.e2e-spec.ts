import { startTestApp, TestApp } from '../support/test-app';
import { JPEG_BYTES, PNG_1PX } from '../support/fake-platforms';

describe('tickets API (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  let supervisor: Record<string, string>;
  let agentId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const a = await t.user('agent');
    agent = a.auth;
    agentId = a.user.id;
    supervisor = (await t.user('supervisor')).auth;
  });
  afterAll(() => t.close());

  const capture = (body: Record<string, unknown>, auth = agent) =>
    t
      .http()
      .post('/api/v1/tickets')
      .set(auth)
      .send({ subject: 'Bache en la avenida', description: 'Hay un bache enorme frente al mercado', channel: 'phone', ...body });

  async function categoryId(code: string): Promise<string> {
    const rows = await t.db.query(`SELECT id FROM categories WHERE code = $1`, [code]);
    return rows[0].id;
  }

  it('captures a ticket by phone with a folio, the citizen and a created event', async () => {
    const res = await capture({
      subject: 'Luminaria apagada',
      description: 'No hay luz en la calle Álvaro Obregón desde el lunes',
      citizen: { name: 'María López', phone: '444 123 4567', email: 'Maria.Lopez@Correo.mx' },
      categoryId: await categoryId('luminaria-apagada'),
      colonia: 'Tequisquiapan',
      poleId: 'AP-10231',
    }).expect(201);
    expect(res.body.folio).toMatch(/^SLP-\d{4}-\d{6}$/);
    expect(res.body.status).toBe('new');
    expect(res.body.statusLabel).toBe('Recibido');
    expect(res.body.area.name).toBe('Alumbrado Público');
    expect(res.body.category.name).toBe('Luminaria apagada');
    expect(res.body.location.poleId).toBe('AP-10231');
    expect(res.body.citizen.name).toBe('María López');
    expect(res.body.citizen.identities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'phone', value: '+524441234567' }),
        expect.objectContaining({ kind: 'email', value: 'maria.lopez@correo.mx' }),
      ]),
    );
    // the report, then the acknowledgement queued for the citizen's email (issue #4)
    expect(res.body.thread.map((m: { direction: string; channel: string }) => [m.direction, m.channel])).toEqual([
      ['inbound', 'phone'],
      ['outbound', 'email'],
    ]);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['created']);
    const due = new Date(res.body.dueDates.resolution).getTime() - new Date(res.body.createdAt).getTime();
    expect(Math.round(due / 86_400_000)).toBe(40);
  });

  it('recognises the same citizen by phone on a second report', async () => {
    const a = await capture({ citizen: { name: 'Juan', phone: '+52 1 444 765 4321' } }).expect(201);
    const b = await capture({ citizen: { phone: '(444) 765-4321' } }).expect(201);
    expect(b.body.citizen.id).toBe(a.body.citizen.id);
  });

  it('returns the same ticket for a retried capture with the same Idempotency-Key', async () => {
    const key = 'retry-key-0001';
    const a = await capture({}).set('Idempotency-Key', key).expect(201);
    const b = await capture({}).set('Idempotency-Key', key).expect(201);
    expect(b.body.folio).toBe(a.body.folio);
    const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM tickets WHERE folio = $1`, [a.body.folio]);
    expect(count).toBe(1);
  });

  it('answers 400 naming each invalid field and stores nothing', async () => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .send({ subject: 'x', channel: 'fax', latitude: 200, unknownField: 1 })
      .expect(400);
    expect(res.body.statusCode).toBe(400);
    expect(res.body.error).toBe('Bad Request');
    const fields = res.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['subject', 'description', 'channel', 'latitude', 'unknownField']));
    const after = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('answers 404 for an unknown or malformed folio', async () => {
    await t.http().get('/api/v1/tickets/SLP-2026-999999').set(agent).expect(404);
    const res = await t.http().get("/api/v1/tickets/SLP-2026-0001' OR '1'='1").set(agent).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('walks the workflow, refusing forbidden transitions with 409 and the allowed list', async () => {
    const { body } = await capture({}).expect(201);
    const folio = body.folio;
    const tr = (to: string, extra: Record<string, unknown> = {}, auth = agent) =>
      t.http().post(`/api/v1/tickets/${folio}/transitions`).set(auth).send({ to, ...extra });

    const bad = await tr('closed').expect(409);
    expect(bad.body.details.allowed).toEqual(['assigned', 'in_progress', 'waiting_citizen', 'resolved', 'rejected']);
    expect(bad.body.message).toMatch(/allowed: assigned, in_progress/);
    await tr('in_progress').expect(200);
    const w = await tr('waiting_citizen').expect(400);
    expect(w.body.details[0].field).toBe('message');
    await tr('waiting_citizen', { message: '¿Podría indicarnos el número exterior?' }).expect(200);
    await tr('resolved', { message: 'Se reparó el bache el 20 de noviembre.' }).expect(200);
    await tr('closed').expect(200);
    const reopenByAgent = await tr('in_progress').expect(403);
    expect(reopenByAgent.body.message).toMatch(/supervisor/);
    const reopened = await tr('in_progress', {}, supervisor).expect(200);
    expect(reopened.body.status).toBe('in_progress');
    expect(reopened.body.reopenedCount).toBe(1);
    const rej = await tr('rejected').expect(400);
    expect(rej.body.details[0].field).toBe('reason');
    const done = await tr('rejected', { reason: 'fuera de la competencia municipal' }).expect(200);
    expect(done.body.statusLabel).toBe('No procede');
    expect(done.body.rejectionReason).toBe('fuera de la competencia municipal');
    const events = done.body.events.filter((e: { type: string }) => e.type === 'status_changed' || e.type === 'reopened');
    expect(events.map((e: { fromStatus: string; toStatus: string }) => `${e.fromStatus}>${e.toStatus}`)).toEqual([
      'new>in_progress',
      'in_progress>waiting_citizen',
      'waiting_citizen>resolved',
      'resolved>closed',
      'closed>in_progress',
      'in_progress>rejected',
    ]);
    const publicMessages = done.body.thread.filter((m: { direction: string }) => m.direction === 'outbound');
    expect(publicMessages.map((m: { bodyText: string }) => m.bodyText)).toEqual([
      '¿Podría indicarnos el número exterior?',
      'Se reparó el bache el 20 de noviembre.',
    ]);
  });

  it('adds internal notes and assigns; agents may only take tickets for themselves', async () => {
    const { body } = await capture({}).expect(201);
    const note = await t.http().post(`/api/v1/tickets/${body.folio}/notes`).set(agent).send({ body: 'Llamar al vecino' }).expect(201);
    expect(note.body.public).toBe(false);
    const other = await t.user('agent');
    await t.http().post(`/api/v1/tickets/${body.folio}/assign`).set(agent).send({ assigneeId: other.user.id }).expect(403);
    const taken = await t.http().post(`/api/v1/tickets/${body.folio}/assign`).set(agent).send({ assigneeId: agentId }).expect(200);
    expect(taken.body.assignee.id).toBe(agentId);
    expect(taken.body.status).toBe('assigned');
    const areas = await t.db.query(`SELECT id FROM areas WHERE code = 'interapas'`);
    const turned = await t.http().post(`/api/v1/tickets/${body.folio}/assign`).set(supervisor).send({ assigneeId: other.user.id, areaId: areas[0].id }).expect(200);
    expect(turned.body.area.name).toBe('Interapas (agua)');
    expect(turned.body.assignee.id).toBe(other.user.id);
    const mine = await t.http().get(`/api/v1/tickets?assignee=${other.user.id}`).set(agent).expect(200);
    expect(mine.body.items.map((i: { folio: string }) => i.folio)).toContain(body.folio);
  });

  it('merges a duplicate: rejected "duplicado de", thread visible from the survivor', async () => {
    const a = await capture({ citizen: { name: 'Ana', email: 'ana@correo.mx' } }).expect(201);
    const b = await capture({ citizen: { name: 'Beto', email: 'beto@correo.mx' }, description: 'El mismo bache, sigue ahí' }).expect(201);
    await t.http().post(`/api/v1/tickets/${b.body.folio}/merge`).set(agent).send({ intoFolio: a.body.folio }).expect(403);
    const merged = await t.http().post(`/api/v1/tickets/${b.body.folio}/merge`).set(supervisor).send({ intoFolio: a.body.folio }).expect(200);
    expect(merged.body.folio).toBe(a.body.folio);
    expect(merged.body.mergedTickets).toEqual([expect.objectContaining({ folio: b.body.folio, citizen: 'Beto' })]);
    expect(merged.body.thread.map((m: { bodyText: string }) => m.bodyText)).toContain('El mismo bache, sigue ahí');
    const dup = await t.http().get(`/api/v1/tickets/${b.body.folio}`).set(agent).expect(200);
    expect(dup.body.status).toBe('rejected');
    expect(dup.body.rejectionReason).toBe(`duplicado de ${a.body.folio}`);
    expect(dup.body.mergedInto).toBe(a.body.folio);
    await t.http().post(`/api/v1/tickets/${a.body.folio}/merge`).set(supervisor).send({ intoFolio: b.body.folio }).expect(409);
  });

  it('a supervisor reversing a merged duplicate (rejected → new) undoes the merge', async () => {
    const a = await capture({ citizen: { name: 'Carla', email: 'carla@correo.mx' }, description: 'Fuga en la calle Hidalgo' }).expect(201);
    const b = await capture({ citizen: { name: 'Dario', email: 'dario@correo.mx' }, description: 'Fuga en la calle Morelos, otra distinta' }).expect(201);
    await t.http().post(`/api/v1/tickets/${b.body.folio}/merge`).set(supervisor).send({ intoFolio: a.body.folio }).expect(200);
    const revived = await t.http().post(`/api/v1/tickets/${b.body.folio}/transitions`).set(supervisor).send({ to: 'new', reason: 'no era duplicado' }).expect(200);
    expect([revived.body.status, revived.body.mergedInto, revived.body.rejectionReason]).toEqual(['new', null, null]);
    expect(revived.body.events.map((e: { type: string }) => e.type)).toContain('unmerged');
    const survivor = await t.http().get(`/api/v1/tickets/${a.body.folio}`).set(agent).expect(200);
    expect(survivor.body.mergedTickets).toEqual([]);
    expect(survivor.body.thread.map((m: { bodyText: string }) => m.bodyText)).not.toContain('Fuga en la calle Morelos, otra distinta');
    expect(survivor.body.events.map((e: { type: string }) => e.type)).toContain('unmerged_from');
    // it can be merged again, into something else this time
    const c = await capture({ description: 'Fuga en Morelos' }).expect(201);
    await t.http().post(`/api/v1/tickets/${b.body.folio}/merge`).set(supervisor).send({ intoFolio: c.body.folio }).expect(200);
  });

  it('staff attach photos and PDF documents as an internal note, checked by content; press users and citizens never see them', async () => {
    const { body } = await capture({ citizen: { name: 'Ana', email: 'ana.adjuntos@correo.mx' } }).expect(201);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
    const res = await t
      .http()
      .post(`/api/v1/tickets/${body.folio}/attachments`)
      .set(agent)
      .field('note', 'Fotos que la vecina mandó al celular de la cuadrilla, y el oficio')
      .attach('files', JPEG_BYTES, { filename: 'foto bache.jpeg', contentType: 'application/octet-stream' })
      .attach('files', PNG_1PX, { filename: 'croquis.png', contentType: 'image/png' })
      .attach('files', pdf, { filename: 'oficio.pdf', contentType: 'application/pdf' })
      .expect(201);
    const note = res.body.thread.find((m: { direction: string }) => m.direction === 'note');
    expect(note.bodyText).toBe('Fotos que la vecina mandó al celular de la cuadrilla, y el oficio');
    const files = note.attachments.map((a: { filename: string; contentType: string }) => [a.filename, a.contentType]).sort();
    expect(files).toEqual([
      ['croquis.png', 'image/png'],
      ['foto bache.jpg', 'image/jpeg'],
      ['oficio.pdf', 'application/pdf'],
    ]);
    const pdfId = note.attachments.find((a: { filename: string }) => a.filename === 'oficio.pdf').id;
    const download = await t.http().get(`/api/v1/tickets/${body.folio}/attachments/${pdfId}`).set(agent).expect(200);
    expect(Buffer.compare(download.body as Buffer, pdf)).toBe(0);
    expect(res.body.events.map((e: { type: string }) => e.type)).toContain('note_added');

    // refused: nothing, a file that is not an image or PDF whatever it claims, an HTML page dressed as a picture
    await t.http().post(`/api/v1/tickets/${body.folio}/attachments`).set(agent).field('note', 'sin archivos').expect(400);
    const exe = await t.http().post(`/api/v1/tickets/${body.folio}/attachments`).set(agent).attach('files', Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00', 'latin1'), { filename: 'foto.jpg', contentType: 'image/jpeg' }).expect(400);
    expect(exe.body.details[0].field).toBe('files');
    const polyglot = Buffer.concat([PNG_1PX, Buffer.from('<script>alert(1)</script>')]);
    await t.http().post(`/api/v1/tickets/${body.folio}/attachments`).set(agent).attach('files', polyglot, { filename: 'x.png', contentType: 'image/png' }).expect(400);
    const after = await t.http().get(`/api/v1/tickets/${body.folio}`).set(agent).expect(200);
    expect(after.body.thread.filter((m: { direction: string }) => m.direction === 'note')).toHaveLength(1); // a refused upload leaves nothing

    // the citizen's page shows no internal note
    const [{ public_token: token }] = await t.db.query(`SELECT public_token FROM tickets WHERE folio = $1`, [body.folio]);
    const page = await t.http().get(`/api/v1/public/tickets/${body.folio}`).query({ token }).expect(200);
    expect(JSON.stringify(page.body)).not.toContain('oficio');
  });

  it('updates fields, recomputing area and due dates when the category changes', async () => {
    const { body } = await capture({}).expect(201);
    const res = await t
      .http()
      .patch(`/api/v1/tickets/${body.folio}`)
      .set(agent)
      .send({ categoryId: await categoryId('fuga-de-agua'), priority: 'high', colonia: 'Himno Nacional' })
      .expect(200);
    expect(res.body.area.name).toBe('Interapas (agua)');
    expect(res.body.priority).toBe('high');
    expect(res.body.version).toBe(body.version + 1);
    const stale = await t.http().patch(`/api/v1/tickets/${body.folio}`).set(agent).send({ priority: 'low', expectedVersion: body.version }).expect(409);
    expect(stale.body.code).toBe('VERSION_CONFLICT');
    const ev = res.body.events.find((e: { type: string }) => e.type === 'updated');
    expect(ev.data.fields).toEqual(expect.arrayContaining(['categoryId', 'areaId', 'priority', 'colonia']));
  });

  it('never loses one of two concurrent updates of the same ticket', async () => {
    const { body } = await capture({}).expect(201);
    await Promise.all([
      t.http().patch(`/api/v1/tickets/${body.folio}`).set(agent).send({ colonia: 'Centro' }).expect(200),
      t.http().patch(`/api/v1/tickets/${body.folio}`).set(agent).send({ priority: 'urgent' }).expect(200),
      t.http().post(`/api/v1/tickets/${body.folio}/notes`).set(agent).send({ body: 'nota concurrente' }).expect(201),
    ]);
    const res = await t.http().get(`/api/v1/tickets/${body.folio}`).set(agent).expect(200);
    expect(res.body.location.colonia).toBe('Centro');
    expect(res.body.priority).toBe('urgent');
    expect(res.body.version).toBe(body.version + 2);
  });

  it('gives 50 parallel creations 50 distinct, consecutive folios', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => capture({ subject: `Reporte paralelo ${i}` })));
    for (const r of results) expect(r.status).toBe(201);
    const seq = results.map((r) => Number(r.body.folio.split('-')[2])).sort((a, b) => a - b);
    expect(new Set(seq).size).toBe(50);
    expect(seq[49] - seq[0]).toBe(49);
  });

  describe('list', () => {
    let folios: string[];
    beforeAll(async () => {
      folios = [];
      for (const [i, text] of ['Fuga de agua en la colonia Tequisquiapan', 'Árbol caído en el jardín', 'Ruido excesivo en fiesta'].entries()) {
        const r = await capture({ subject: `Lista ${i}`, description: text, channel: i === 2 ? 'walk_in' : 'phone' }).expect(201);
        folios.push(r.body.folio);
      }
    });

    it('pages newest first with a keyset cursor, without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: Array<{ folio: string }>; nextCursor: string | null } } = await t.http().get('/api/v1/tickets').query({ limit: 7, ...(cursor ? { cursor } : {}) }).set(agent).expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(7);
        seen.push(...res.body.items.map((i: { folio: string }) => i.folio));
        cursor = res.body.nextCursor;
      } while (cursor);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
      expect(seen).toHaveLength(n);
      expect(new Set(seen).size).toBe(n);
      const ordered = await t.db.query(`SELECT folio FROM tickets ORDER BY created_at DESC, id DESC`);
      expect(seen).toEqual(ordered.map((r: { folio: string }) => r.folio));
    });

    it('rejects a forged cursor with 400', async () => {
      const res = await t.http().get('/api/v1/tickets').query({ cursor: 'bm9wZQ' }).set(agent).expect(400);
      expect(res.body.details[0].field).toBe('cursor');
    });

    it('searches Spanish text accent- and case-insensitively, with stemming', async () => {
      const q = async (text: string) =>
        (await t.http().get('/api/v1/tickets').query({ q: text }).set(agent).expect(200)).body.items.map((i: { folio: string }) => i.folio);
      expect(await q('tequisquiapan')).toContain(folios[0]);
      expect(await q('TEQUISQUIAPAN')).toContain(folios[0]);
      expect(await q('arbol caido')).toContain(folios[1]);
      expect(await q('árboles')).toContain(folios[1]);
      expect(await q('fugas')).toContain(folios[0]);
      expect(await q(folios[2])).toEqual([folios[2]]);
      expect(await q('inexistentepalabra')).toEqual([]);
      expect(await q("'; DROP TABLE tickets; --")).toEqual([]);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
      expect(n).toBeGreaterThan(0);
    });

    it('finds a ticket by the text of its thread, but never by internal notes', async () => {
      const folio = folios[1];
      await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent).send({ to: 'waiting_citizen', message: '¿Nos comparte la ubicación del hidrante?' }).expect(200);
      await t.http().post(`/api/v1/tickets/${folio}/notes`).set(agent).send({ body: 'zarzamora confidencial' }).expect(201);
      const q = async (text: string) =>
        (await t.http().get('/api/v1/tickets').query({ q: text }).set(agent).expect(200)).body.items.map((i: { folio: string }) => i.folio);
      expect(await q('hidrantes')).toEqual([folio]);
      expect(await q('ubicacion')).toContain(folio);
      expect(await q('zarzamora')).toEqual([]);
    });

    it('pages a common word (more matches than the search cap) in the same order as the database', async () => {
      await t.db.query(
        `INSERT INTO tickets (folio, subject, description, channel, public_token, created_at)
         SELECT 'SLP-1999-' || lpad(i::text, 6, '0'), 'Zanja profunda ' || i, 'Una zanja abierta sin señalamiento', 'phone', md5(i::text),
                now() - interval '400 days' - i * interval '1 minute'
         FROM generate_series(1, 2100) i`,
      );
      const expected = (await t.db.query(
        `SELECT folio FROM tickets WHERE subject LIKE 'Zanja profunda %' ORDER BY created_at DESC, id DESC LIMIT 50`,
      )).map((r: { folio: string }) => r.folio);
      const p1 = await t.http().get('/api/v1/tickets').query({ q: 'zanjas', limit: 25 }).set(agent).expect(200);
      const p2 = await t.http().get('/api/v1/tickets').query({ q: 'zanjas', limit: 25, cursor: p1.body.nextCursor }).set(agent).expect(200);
      expect([...p1.body.items, ...p2.body.items].map((i: { folio: string }) => i.folio)).toEqual(expected);
      // a narrower search over the same rows goes through the capped path and agrees too
      const narrow = await t.http().get('/api/v1/tickets').query({ q: 'zanja 2099' }).set(agent).expect(200);
      expect(narrow.body.items.map((i: { folio: string }) => i.folio)).toEqual(['SLP-1999-002099']);
    });

    it('filters by status, channel, category, date range and overdue', async () => {
      const walkIn = await t.http().get('/api/v1/tickets').query({ channel: 'walk_in' }).set(agent).expect(200);
      expect(walkIn.body.items.map((i: { folio: string }) => i.folio)).toEqual([folios[2]]);
      const rejected = await t.http().get('/api/v1/tickets').query({ status: 'rejected' }).set(agent).expect(200);
      expect(rejected.body.items.every((i: { status: string }) => i.status === 'rejected')).toBe(true);
      expect(rejected.body.items.length).toBeGreaterThan(0);
      const future = await t.http().get('/api/v1/tickets').query({ from: '2999-01-01T00:00:00Z' }).set(agent).expect(200);
      expect(future.body.items).toEqual([]);
      const luz = await categoryId('luminaria-apagada');
      const byCat = await t.http().get('/api/v1/tickets').query({ categoryId: luz }).set(agent).expect(200);
      expect(byCat.body.items.length).toBeGreaterThan(0);
      expect(byCat.body.items.every((i: { category: { id: string } }) => i.category.id === luz)).toBe(true);
      await t.db.query(`UPDATE tickets SET resolution_due_at = now() - interval '1 day' WHERE folio = $1`, [folios[0]]);
      const overdue = await t.http().get('/api/v1/tickets').query({ overdue: 'true' }).set(agent).expect(200);
      expect(overdue.body.items.map((i: { folio: string }) => i.folio)).toEqual([folios[0]]);
      expect(overdue.body.items[0].overdue).toBe(true);
      await t.http().get('/api/v1/tickets').query({ status: 'bogus' }).set(agent).expect(400);
    });

    it('reads date-only and offset-less from/to in the city time zone; a date-only `to` takes in that whole day', async () => {
      const { body } = await capture({ subject: 'Reporte de la noche' }).expect(201);
      // 20:00 on 14 March 2023 in Mexico City (UTC−6) is 02:00 UTC on the 15th
      await t.db.query(`UPDATE tickets SET created_at = '2023-03-14T20:00:00-06:00' WHERE folio = $1`, [body.folio]);
      const list = async (query: Record<string, string>) =>
        (await t.http().get('/api/v1/tickets').query(query).set(agent).expect(200)).body.items.map((i: { folio: string }) => i.folio);
      expect(await list({ from: '2023-03-14', to: '2023-03-14' })).toEqual([body.folio]);
      expect(await list({ from: '2023-03-15', to: '2023-03-31' })).toEqual([]);
      expect(await list({ from: '2023-03-01', to: '2023-03-13' })).toEqual([]);
      expect(await list({ from: '2023-03-14T19:59', to: '2023-03-31' })).toEqual([body.folio]);
      expect(await list({ from: '2023-03-14T20:01', to: '2023-03-31' })).toEqual([]);
      expect(await list({ from: '2023-03-01', to: '2023-03-14T20:00:00' })).toEqual([]); // a time in `to` is exclusive
      // with Z or an offset, the instant as given
      expect(await list({ from: '2023-03-15T02:00:00Z', to: '2023-03-15T02:00:01Z' })).toEqual([body.folio]);
      expect(await list({ from: '2023-03-01T00:00:00Z', to: '2023-03-14T20:00:00-06:00' })).toEqual([]);
    });

    it('takes assignee=ME and assignee=NONE in any case, as it validates them', async () => {
      const { body } = await capture({ subject: 'Para tomar' }).expect(201);
      await t.http().post(`/api/v1/tickets/${body.folio}/assign`).set(agent).send({ assigneeId: agentId }).expect(200);
      for (const me of ['ME', 'Me']) {
        const items = (await t.http().get('/api/v1/tickets').query({ assignee: me }).set(agent).expect(200)).body.items;
        expect(items.map((i: { folio: string }) => i.folio)).toContain(body.folio);
        expect(items.every((i: { assignee: { id: string } | null }) => i.assignee?.id === agentId)).toBe(true);
      }
      const unassigned = (await t.http().get('/api/v1/tickets').query({ assignee: 'NONE' }).set(agent).expect(200)).body.items;
      expect(unassigned.length).toBeGreaterThan(0);
      expect(unassigned.every((i: { assignee: unknown }) => i.assignee === null)).toBe(true);
      expect(unassigned.map((i: { folio: string }) => i.folio)).not.toContain(body.folio);
    });
  });
});
