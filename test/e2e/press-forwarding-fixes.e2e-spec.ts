// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';

/**
 * SPEC §3.3: what a press user forwards becomes a report they can follow, and the press office
 * answers citizens by hand from GET /intake/manual-replies. Real PostgreSQL.
 */
describe('press forwarding: duplicates, merges, co-forwarders, manual-reply paging, where to answer', () => {
  let t: TestApp;
  let press: { auth: Record<string, string>; user: { id: string } };
  let supervisor: Record<string, string>;
  let agent: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    press = await t.user('press');
    supervisor = (await t.user('supervisor')).auth;
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  const forward = (auth: Record<string, string>, fields: Record<string, string>) => {
    let req = t.http().post('/api/v1/intake/forwarded').set(auth);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req;
  };
  const inboundTexts = async (folio: string) =>
    (
      await t.db.query(`SELECT m.body_text FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1 AND m.direction = 'inbound' ORDER BY m.id`, [folio])
    ).map((r: { body_text: string }) => r.body_text);
  const mine = async (auth: Record<string, string>) => (await t.http().get('/api/v1/intake/forwarded/mine').query({ limit: 100 }).set(auth).expect(200)).body.items;

  // --- defect 1 ---
  it('two different comments under one TikTok video (no link of their own) are two reports; the same comment again is a 200 duplicate', async () => {
    const video = 'https://www.tiktok.com/@municipioslp/video/7301234567890123456';
    const a = await forward(press.auth, {
      network: 'tiktok',
      authorHandle: '@vecina.zaragoza',
      url: video,
      text: 'Se cayó un cable de alta tensión en la calle Zaragoza, está echando chispas',
    }).expect(201);
    const colleague = await t.user('press');
    const b = await forward(colleague.auth, {
      network: 'tiktok',
      authorHandle: '@don.pepe.slp',
      url: `${video}?is_from_webapp=1&sender_device=pc`,
      text: 'Llevamos una semana sin agua en Jacarandas',
    }).expect(201);
    expect(a.body.duplicate).toBe(false);
    expect(b.body.duplicate).toBe(false);
    expect(b.body.folio).not.toBe(a.body.folio);
    expect(await inboundTexts(a.body.folio)).toEqual(['Se cayó un cable de alta tensión en la calle Zaragoza, está echando chispas']);
    expect(await inboundTexts(b.body.folio)).toEqual(['Llevamos una semana sin agua en Jacarandas']);

    // a retry (with or without Idempotency-Key) of the same comment: the folio it already has, said so
    const again = await forward(press.auth, {
      network: 'tiktok',
      authorHandle: 'Vecina.Zaragoza',
      url: video,
      text: 'Se cayó un cable de alta tensión en la calle Zaragoza,  está echando chispas\n',
    })
      .set('Idempotency-Key', 'reintento-cable-0001')
      .expect(200);
    expect(again.body).toEqual(expect.objectContaining({ duplicate: true, folio: a.body.folio, status: 'new' }));
    const retry = await forward(press.auth, {
      network: 'tiktok',
      authorHandle: 'Vecina.Zaragoza',
      url: video,
      text: 'Se cayó un cable de alta tensión en la calle Zaragoza, está echando chispas',
    })
      .set('Idempotency-Key', 'reintento-cable-0001')
      .expect(200);
    expect([retry.body.duplicate, retry.body.folio]).toEqual([true, a.body.folio]);
    expect(await inboundTexts(a.body.folio)).toHaveLength(1);
  });

  // --- defect 3 ---
  it('a colleague who forwards the same message follows it in their own list', async () => {
    const colleague = await t.user('press');
    const fields = { network: 'instagram', authorHandle: '@lupita.soledad', url: 'https://www.instagram.com/p/Cz9Semaforo/', text: 'Semáforo apagado en Salvador Nava y Universidad' };
    const first = await forward(press.auth, fields).expect(201);
    const second = await forward(colleague.auth, fields).expect(200);
    expect([second.body.duplicate, second.body.folio]).toEqual([true, first.body.folio]);
    expect((await mine(colleague.auth)).map((i: { folio: string }) => i.folio)).toEqual([first.body.folio]);
    expect((await mine(press.auth)).map((i: { folio: string }) => i.folio)).toContain(first.body.folio);
    await t.http().get(`/api/v1/tickets/${first.body.folio}`).set(colleague.auth).expect(200);
  });

  it('the same comment forwarded by four press users at once: one 201, three 200 duplicates, one ticket, in the list of each', async () => {
    const users = await Promise.all([t.user('press'), t.user('press'), t.user('press'), t.user('press')]);
    const results = await Promise.all(
      users.map((u, i) =>
        forward(u.auth, {
          network: 'facebook',
          authorName: 'Vecinos de la Soledad',
          url: `https://${i % 2 ? 'm' : 'www'}.facebook.com/MunicipioSLP/posts/pfbid0Carrera${i % 2 ? '/?fbclid=IwAR' + i : ''}`,
          text: 'Lámpara apagada en el Jardín de la Soledad',
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(results.map((r) => r.body.duplicate).sort()).toEqual([false, true, true, true]);
    const folios = new Set(results.map((r) => r.body.folio));
    expect(folios.size).toBe(1);
    const [folio] = [...folios];
    for (const u of users) expect((await mine(u.auth)).map((i: { folio: string }) => i.folio)).toEqual([folio]);
  });

  // --- defect 2 ---
  it("a forward merged into another report shows the survivor's folio and status in /mine and its detail; a phone or email survivor stays out of the press view", async () => {
    const forwarder = await t.user('press');
    const fwd = await forward(forwarder.auth, { network: 'facebook', authorName: 'Colonos de Himno Nacional', text: 'Bache enorme frente al parque de Himno Nacional' }).expect(201);
    const survivor = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .set('Idempotency-Key', `llamada-bache-${Date.now()}`)
      .send({
        channel: 'phone',
        subject: 'Bache en Himno Nacional',
        description: 'Llamada: bache enorme frente al parque',
        citizen: { name: 'Rosa Martínez', phone: '+52 444 123 4567', email: 'rosa.martinez@correo.mx' },
      })
      .expect(201);
    await t.http().post(`/api/v1/tickets/${survivor.body.folio}/notes`).set(agent).send({ body: 'Nota interna: cuadrilla 3 lo revisa' }).expect(201);
    await t.http().post(`/api/v1/tickets/${fwd.body.folio}/merge`).set(supervisor).send({ intoFolio: survivor.body.folio }).expect(200);

    const [item] = (await mine(forwarder.auth)).filter((i: { folio: string }) => i.folio === fwd.body.folio);
    expect(item.mergedInto).toEqual({ folio: survivor.body.folio, status: 'new', statusLabel: 'Recibido' });

    const dup = await t.http().get(`/api/v1/tickets/${fwd.body.folio}`).set(forwarder.auth).expect(200);
    expect(dup.body.mergedIntoTicket).toEqual({ folio: survivor.body.folio, status: 'new', statusLabel: 'Recibido' });

    // the survivor is a phone report: its thread may quote status links and phone numbers, so the
    // press office follows it through the duplicate (above), not by reading it
    await t.http().get(`/api/v1/tickets/${survivor.body.folio}`).set(forwarder.auth).expect(404);
    const json = JSON.stringify(dup.body);
    for (const secret of ['rosa.martinez@correo.mx', '4441234567', '123 4567', 'Nota interna']) expect(json).not.toContain(secret);
  });

  // --- defect 5 ---
  it('the ticket detail shows where a forward was seen (network, author, link, postedAt); the press view never a phone number', async () => {
    const fwd = await forward(press.auth, {
      network: 'x',
      authorName: 'Vecino de Tequis',
      authorHandle: '@VecinoTequis',
      url: 'https://x.com/VecinoTequis/status/1869000000000000777',
      text: 'Luminaria apagada en el Jardín de Tequisquiapan',
      postedAt: '2026-11-25T18:30:00Z',
    }).expect(201);
    const expected = {
      network: 'x',
      authorName: 'Vecino de Tequis',
      authorHandle: '@vecinotequis',
      url: 'https://x.com/VecinoTequis/status/1869000000000000777',
      postedAt: '2026-11-25T18:30:00.000Z',
    };
    for (const auth of [press.auth, agent]) {
      const view = await t.http().get(`/api/v1/tickets/${fwd.body.folio}`).set(auth).expect(200);
      expect(view.body.thread.find((m: { direction: string }) => m.direction === 'inbound').forwarded).toEqual(expected);
    }
    const wa = await forward(press.auth, { network: 'whatsapp', authorName: 'Doña Lupe', authorHandle: '444 987 1111', text: 'Reenviado de WhatsApp: fuga en Arista' }).expect(201);
    const byPress = await t.http().get(`/api/v1/tickets/${wa.body.folio}`).set(press.auth).expect(200);
    expect(byPress.body.thread[0].forwarded).toEqual(expect.objectContaining({ network: 'whatsapp', authorName: 'Doña Lupe', authorHandle: null }));
    expect(JSON.stringify(byPress.body)).not.toContain('9871111');
    const byAgent = await t.http().get(`/api/v1/tickets/${wa.body.folio}`).set(agent).expect(200);
    expect(byAgent.body.thread[0].forwarded.authorHandle).toBe('+524449871111');
  });

  it("a manual reply of a forwarded report says where to answer: the forward's handle and link", async () => {
    const fwd = await forward(press.auth, {
      network: 'tiktok',
      authorHandle: '@vecina.cable',
      url: 'https://www.tiktok.com/@municipioslp/video/7301234567890999999',
      text: 'Cable de alta tensión caído en la Av. Muñoz',
    }).expect(201);
    const items = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    const item = items.body.find((i: { folio: string }) => i.folio === fwd.body.folio);
    expect(item).toEqual(
      expect.objectContaining({
        channel: 'tiktok',
        handle: '@vecina.cable',
        url: 'https://www.tiktok.com/@municipioslp/video/7301234567890999999',
        forwarded: expect.objectContaining({ network: 'tiktok', authorHandle: '@vecina.cable' }),
      }),
    );
  });

  // --- defect 4 ---
  it('the manual-reply queue pages with a cursor and says how many are pending: none is lost past the first 200', async () => {
    const [{ id: ticketId }] = await t.db.query(`SELECT id FROM tickets ORDER BY id LIMIT 1`);
    await t.db.query(
      `INSERT INTO messages (ticket_id, direction, channel, body_text, public, meta, created_at)
       SELECT $1, 'outbound', 'tiktok', 'Respuesta pendiente ' || g, false,
              jsonb_build_object('manualReply', 'pending', 'manualReplyReason', 'fuera de la ventana'), now() - interval '1 day' + g * interval '1 second'
       FROM generate_series(1, 230) g`,
      [ticketId],
    );
    const [cable] = await t.db.query(
      `INSERT INTO messages (ticket_id, direction, channel, body_text, public, meta)
       VALUES ($1, 'outbound', 'tiktok', 'Ya enviamos una cuadrilla por el cable de alta tensión caído', false,
               '{"manualReply": "pending", "manualReplyReason": "fuera de la ventana"}') RETURNING id`,
      [ticketId],
    );
    const [{ n: pending }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE meta->>'manualReply' = 'pending'`);
    expect(pending).toBeGreaterThan(230);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await t
        .http()
        .get('/api/v1/intake/manual-replies')
        .query(cursor ? { limit: 100, cursor } : { limit: 100 })
        .set(press.auth)
        .expect(200);
      expect(Number(res.headers['x-total-count'])).toBe(pending);
      expect(res.body.length).toBeLessThanOrEqual(100);
      seen.push(...res.body.map((i: { id: string }) => i.id));
      cursor = res.headers['x-next-cursor'];
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(pending);
    expect(new Set(seen).size).toBe(pending);
    expect(seen[seen.length - 1]).toBe(String(cable.id));
    // oldest first across pages
    const order = await t.db.query(`SELECT id::text FROM messages WHERE meta->>'manualReply' = 'pending' ORDER BY created_at, id`);
    expect(seen).toEqual(order.map((r: { id: string }) => r.id));

    const first = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    expect(first.body).toHaveLength(200);
    expect(first.headers['x-next-cursor']).toBeTruthy();
    await t.http().get('/api/v1/intake/manual-replies').query({ cursor: 'no-es-un-cursor' }).set(press.auth).expect(400);
    await t.http().get('/api/v1/intake/manual-replies').query({ limit: 500 }).set(press.auth).expect(400);
  });
});
