// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { PNG_1PX, JPEG_BYTES } from '../support/fake-platforms';

describe('press-office forwarding (POST /intake/forwarded, GET /intake/forwarded/mine)', () => {
  let t: TestApp;
  let press: { auth: Record<string, string>; user: { id: string } };

  beforeAll(async () => {
    t = await startTestApp({ ATTACHMENT_MAX_BYTES: '4096' });
    press = await t.user('press');
  });
  afterAll(() => t.close());

  const forward = (auth: Record<string, string>) =>
    t
      .http()
      .post('/api/v1/intake/forwarded')
      .set(auth)
      .field('network', 'x')
      .field('authorName', 'Vecinos de Tequis')
      .field('authorHandle', '@VecinosTequis')
      .field('url', 'https://x.com/VecinosTequis/status/1861234567890')
      .field('text', 'Llevamos tres días sin recolección de basura en la colonia Tequisquiapan')
      .field('postedAt', '2026-11-25T18:30:00Z')
      .field('colonia', 'Tequisquiapan');
  const count = async (sql: string) => (await t.db.query(sql))[0].n as number;

  it('a press user forwards a post with screenshots: ticket on that network, forwardedBy, images stored', async () => {
    const res = await forward(press.auth)
      .attach('screenshots', PNG_1PX, { filename: 'captura 1.png', contentType: 'image/png' })
      .attach('screenshots', JPEG_BYTES, { filename: 'captura-2.jpeg', contentType: 'application/octet-stream' })
      .expect(201);
    expect(res.body.folio).toMatch(/^SLP-\d{4}-\d{6}$/);
    expect(res.body.channel).toBe('x');
    expect(res.body.location.colonia).toBe('Tequisquiapan');
    expect(res.body.citizen.name).toBe('Vecinos de Tequis');
    const [ticket] = await t.db.query(`SELECT id, forwarded_by_id FROM tickets WHERE folio = $1`, [res.body.folio]);
    expect(ticket.forwarded_by_id).toBe(press.user.id);
    const [msg] = await t.db.query(`SELECT id, meta, author_user_id FROM messages WHERE ticket_id = $1 AND direction = 'inbound'`, [ticket.id]);
    expect(msg.meta.forwarded).toEqual({
      network: 'x',
      authorName: 'Vecinos de Tequis',
      authorHandle: '@vecinostequis',
      url: 'https://x.com/VecinosTequis/status/1861234567890',
      postedAt: '2026-11-25T18:30:00.000Z',
    });
    const atts = await t.db.query(`SELECT filename, content_type, omitted FROM attachments WHERE message_id = $1 ORDER BY filename`, [msg.id]);
    expect(atts).toEqual([
      { filename: 'captura 1.png', content_type: 'image/png', omitted: false },
      { filename: 'captura-2.jpg', content_type: 'image/jpeg', omitted: false },
    ]);
    const ids = await t.db.query(`SELECT kind, value FROM citizen_identities i JOIN tickets t ON t.citizen_id = i.citizen_id WHERE t.id = $1`, [ticket.id]);
    expect(ids).toEqual([{ kind: 'handle', value: 'x:vecinostequis' }]);
  });

  it('the press user follows the status of what they forwarded', async () => {
    const res = await t.http().get('/api/v1/intake/forwarded/mine').set(press.auth).expect(200);
    expect(res.body.items.length).toBeGreaterThanOrEqual(1);
    expect(res.body.items[0]).toEqual(expect.objectContaining({ network: 'x', status: 'new', statusLabel: 'Recibido' }));
    const other = await t.user('press');
    const none = await t.http().get('/api/v1/intake/forwarded/mine').set(other.auth).expect(200);
    expect(none.body.items).toEqual([]);
    await t.http().get(`/api/v1/tickets/${res.body.items[0].folio}`).set(press.auth).expect(200);
  });

  it('pages through the list with a cursor', async () => {
    const p = await t.user('press');
    for (let i = 0; i < 3; i++) {
      await t.http().post('/api/v1/intake/forwarded').set(p.auth).field('network', 'tiktok').field('text', `Video ${i}`).expect(201);
    }
    const first = await t.http().get('/api/v1/intake/forwarded/mine').query({ limit: 2 }).set(p.auth).expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await t.http().get('/api/v1/intake/forwarded/mine').query({ limit: 2, cursor: first.body.nextCursor }).set(p.auth).expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
  });

  it.each(['agent', 'supervisor'] as const)('an %s without the press role gets 403 and nothing is stored', async (role) => {
    const before = await count(`SELECT count(*)::int AS n FROM tickets`);
    const { auth } = await t.user(role);
    await forward(auth).attach('screenshots', PNG_1PX, { filename: 'a.png', contentType: 'image/png' }).expect(403);
    await t.http().get('/api/v1/intake/forwarded/mine').set(auth).expect(403);
    expect(await count(`SELECT count(*)::int AS n FROM tickets`)).toBe(before);
  });

  it('refuses a file that is not an image whatever its name and Content-Type say', async () => {
    const before = await count(`SELECT count(*)::int AS n FROM tickets`);
    const res = await forward(press.auth).attach('screenshots', Buffer.from('<svg onload="alert(1)"></svg>'), { filename: 'x.png', contentType: 'image/png' }).expect(400);
    expect(res.body.details).toEqual([{ field: 'screenshots', errors: ['1: tipo de archivo no reconocido'] }]);
    expect(await count(`SELECT count(*)::int AS n FROM tickets`)).toBe(before);
  });

  it('refuses more than 5 screenshots and files over ATTACHMENT_MAX_BYTES', async () => {
    let req = forward(press.auth);
    for (let i = 0; i < 6; i++) req = req.attach('screenshots', PNG_1PX, { filename: `c${i}.png`, contentType: 'image/png' });
    await req.expect(400);
    const big = Buffer.concat([PNG_1PX, Buffer.alloc(5000)]);
    await forward(press.auth).attach('screenshots', big, { filename: 'big.png', contentType: 'image/png' }).expect(413);
  });

  it('validates the fields (network, text, URL, date) and lists each offending one', async () => {
    const res = await t
      .http()
      .post('/api/v1/intake/forwarded')
      .set(press.auth)
      .field('network', 'myspace')
      .field('url', 'javascript:alert(1)')
      .field('postedAt', 'ayer')
      .expect(400);
    const fields = (res.body.details as Array<{ field: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(['network', 'postedAt', 'text', 'url']);
  });

  it('an Idempotency-Key makes a retried forward return the same ticket', async () => {
    // a post of its own (the one of `forward` was forwarded by the first test of this file)
    const post = () =>
      t
        .http()
        .post('/api/v1/intake/forwarded')
        .set(press.auth)
        .set('Idempotency-Key', 'fwd-retry-0001')
        .field('network', 'x')
        .field('url', 'https://x.com/VecinosTequis/status/1861234567899')
        .field('text', 'El camión de la basura no pasó por la calle Zaragoza');
    const a = await post().expect(201);
    // the retry is answered as what it is: the report already made (200, duplicate)
    const b = await post().expect(200);
    expect([b.body.folio, a.body.duplicate, b.body.duplicate]).toEqual([a.body.folio, false, true]);
  });

  it('press users read what any of them forwarded on "other", but not a report an agent captured on "other"', async () => {
    const forwarded = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'other').field('text', 'Publicación en un foro vecinal: fuga de agua').expect(201);
    const agent = (await t.user('agent')).auth;
    const captured = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .set('Idempotency-Key', `carta-${Date.now()}`)
      .send({ channel: 'other', subject: 'Carta entregada en oficialía', description: 'Solicitud por escrito de poda de árbol', citizen: { name: 'Remitente' } })
      .expect(201);
    const colleague = (await t.user('press')).auth;
    await t.http().get(`/api/v1/tickets/${forwarded.body.folio}`).set(colleague).expect(200);
    await t.http().get(`/api/v1/tickets/${captured.body.folio}`).set(colleague).expect(404);
    const list = await t.http().get('/api/v1/tickets?limit=100').set(colleague).expect(200);
    const folios = list.body.items.map((i: { folio: string }) => i.folio);
    expect(folios).toContain(forwarded.body.folio);
    expect(folios).not.toContain(captured.body.folio);
  });

  // --- the same message forwarded twice is one ticket (SPEC §3) ---
  const ticketsOn = async (externalId: string) =>
    (await t.db.query(`SELECT DISTINCT t.folio FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.external_id = $1`, [externalId])).map((r: { folio: string }) => r.folio);

  it('the same post forwarded by two press users — its URL written differently, with or without Idempotency-Key — is one ticket, answered to the second as the first', async () => {
    const colleague = await t.user('press');
    const first = await t
      .http()
      .post('/api/v1/intake/forwarded')
      .set(press.auth)
      .field('network', 'x')
      .field('authorHandle', '@CiudadanaSLP')
      .field('url', 'https://x.com/CiudadanaSLP/status/1869000000000000001')
      .field('text', 'Fuga de agua potable en Av. Carranza esquina con Reforma')
      .expect(201);
    const again = await t
      .http()
      .post('/api/v1/intake/forwarded')
      .set(colleague.auth)
      .set('Idempotency-Key', 'otra-captura-0001')
      .field('network', 'x')
      .field('authorName', 'Ciudadana SLP')
      .field('url', 'https://TWITTER.com/ciudadanaslp/status/1869000000000000001/?s=20&utm_source=share#respuestas')
      .field('text', 'Fuga de agua en Carranza y Reforma (reenvío)')
      .attach('screenshots', PNG_1PX, { filename: 'captura.png', contentType: 'image/png' })
      .expect(200);
    expect([again.body.folio, again.body.duplicate]).toEqual([first.body.folio, true]);
    expect(again.body.forwardedById).toBe(press.user.id);
    expect(await ticketsOn('forwarded:post:https://x.com/i/status/1869000000000000001')).toEqual([first.body.folio]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1 AND m.direction = 'inbound'`, [first.body.folio]);
    expect(n).toBe(1);
  });

  it('without a URL the network, author and text name it: the same again is the same ticket, another author or text another', async () => {
    const send = (auth: Record<string, string>, handle: string, text: string, status = 201) =>
      t.http().post('/api/v1/intake/forwarded').set(auth).field('network', 'tiktok').field('authorHandle', handle).field('text', text).expect(status);
    const colleague = await t.user('press');
    const a = await send(press.auth, '@Vecina.SLP', 'Bache enorme en Himno Nacional frente al parque');
    const b = await send(colleague.auth, 'vecina.slp', 'Bache enorme en  Himno Nacional frente al parque\n', 200);
    const c = await send(colleague.auth, '@otro.vecino', 'Bache enorme en Himno Nacional frente al parque');
    const d = await send(press.auth, '@Vecina.SLP', 'Otro bache en Himno Nacional, a media cuadra');
    expect(b.body.folio).toBe(a.body.folio);
    expect(new Set([a.body.folio, c.body.folio, d.body.folio]).size).toBe(3);
  });

  it('forwards of one post racing each other make one ticket: one 201, the others 200 with its folio', async () => {
    const users = await Promise.all([t.user('press'), t.user('press'), t.user('press'), t.user('press')]);
    const results = await Promise.all(
      users.map((u, i) =>
        t
          .http()
          .post('/api/v1/intake/forwarded')
          .set(u.auth)
          .field('network', 'facebook')
          .field('url', `https://${i % 2 ? 'm' : 'www'}.facebook.com/MunicipioSLP/posts/pfbid0Carrera${i % 2 ? '/?fbclid=IwAR' + i : ''}`)
          .field('text', 'Lámpara apagada en el Jardín de Tequisquiapan'),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.folio)).size).toBe(1);
    const [{ n: racedTickets }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets WHERE folio = ANY($1)`, [results.map((r) => r.body.folio)]);
    expect(racedTickets).toBe(1);
  });

  // --- the citizen of a forwarded report gets the folio and status link through the press office ---
  it("a forwarded report's acknowledgement (folio + status link) is a manual reply for the press office, marked done like the others", async () => {
    const fwd = await t
      .http()
      .post('/api/v1/intake/forwarded')
      .set(press.auth)
      .field('network', 'x')
      .field('authorHandle', '@vecino_acuse')
      .field('url', 'https://x.com/vecino_acuse/status/1869000000000000002')
      .field('text', 'Semáforo descompuesto en Salvador Nava y Himalaya')
      .expect(201);
    const folio: string = fwd.body.folio;
    const [{ public_token: token }] = await t.db.query(`SELECT public_token FROM tickets WHERE folio = $1`, [folio]);
    const list = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    const mine = list.body.filter((i: { folio: string }) => i.folio === folio);
    expect(mine).toHaveLength(1);
    const link = `https://enlace.test/seguimiento/${folio}?token=${encodeURIComponent(token)}`;
    expect(mine[0].text).toBe(
      `Recibimos su reporte. Su folio es ${folio}.\nConsulte el avance de su reporte en: ${link}\nAviso de privacidad: https://enlace.test/aviso-de-privacidad\n` +
        mine[0].text.split('\n')[3],
    );
    expect(mine[0].text.split('\n')[3]).toMatch(/ · /);
    expect(mine[0].reason).toContain('https://x.com/vecino_acuse/status/1869000000000000002');
    // the link the press office pastes works for the citizen
    await t.http().get(`/api/v1/public/tickets/${folio}`).query({ token }).expect(200);
    // staff see it pending on the thread, after the forwarded message; press users read the public
    // thread, which does not carry the token (they get it only in the list, while it is pending)
    const agent = (await t.user('agent')).auth;
    const staffView = await t.http().get(`/api/v1/tickets/${folio}`).set(agent).expect(200);
    expect(staffView.body.thread.map((m: { id: string; direction: string; manualReply: string | null }) => [m.direction, m.id === mine[0].id ? m.manualReply : null])).toEqual([
      ['inbound', null],
      ['outbound', 'pending'],
    ]);
    expect(JSON.stringify(fwd.body)).not.toContain(token);
    expect(JSON.stringify((await t.http().get(`/api/v1/tickets/${folio}`).set(press.auth).expect(200)).body)).not.toContain(token);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1`, [folio])).toEqual([{ n: 0 }]);

    await t.http().post(`/api/v1/intake/manual-replies/${mine[0].id}/done`).set(press.auth).expect(200);
    const after = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    expect(after.body.filter((i: { folio: string }) => i.folio === folio)).toEqual([]);
    // forwarded again: no second acknowledgement
    await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'x').field('url', 'https://x.com/vecino_acuse/status/1869000000000000002').field('text', 'otra vez').expect(200);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1 AND m.meta->>'notification' = 'acknowledgement'`,
      [folio],
    );
    expect(n).toBe(1);
  });

  it('a report forwarded from a webhook network (WhatsApp) is acknowledged through the press office too, never through the platform', async () => {
    const fwd = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'whatsapp').field('text', 'Me llegó por WhatsApp: no hay agua en la colonia Jacarandas').expect(201);
    const list = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    const mine = list.body.filter((i: { folio: string }) => i.folio === fwd.body.folio);
    expect(mine.map((i: { text: string }) => i.text.split('\n')[0])).toEqual([`Recibimos su reporte. Su folio es ${fwd.body.folio}.`]);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1`, [fwd.body.folio])).toEqual([{ n: 0 }]);
  });

  // --- who the author is ---
  const citizenOf = async (folio: string) => {
    const [row] = await t.db.query(`SELECT citizen_id FROM tickets WHERE folio = $1`, [folio]);
    const ids = await t.db.query(`SELECT kind, value FROM citizen_identities WHERE citizen_id = $1 ORDER BY kind`, [row.citizen_id]);
    return { id: row.citizen_id as string | null, ids };
  };

  it('"@juan" on "other" and a display name typed as a handle make no identity: different people stay different citizens', async () => {
    const send = (network: string, handle: string, text: string) =>
      t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', network).field('authorHandle', handle).field('text', text).expect(201);
    const foro = await citizenOf((await send('other', '@juan', 'En el foro vecinal: poda urgente de un árbol')).body.folio);
    const blog = await citizenOf((await send('other', '@Juan', 'En un blog de noticias: coladera sin tapa')).body.folio);
    expect(foro.ids).toEqual([]);
    expect(blog.ids).toEqual([]);
    expect(foro.id).not.toBe(blog.id);
    const namesake1 = await send('facebook', 'Juan Pérez', 'Juan Pérez comenta: no pasa el camión de basura');
    const namesake2 = await send('facebook', 'Juan Pérez', 'Juan Pérez (otro) comenta: luminaria fundida');
    const c1 = await citizenOf(namesake1.body.folio);
    const c2 = await citizenOf(namesake2.body.folio);
    expect([c1.ids, c2.ids]).toEqual([[], []]);
    expect(c1.id).not.toBe(c2.id);
    expect(namesake1.body.citizen.name).toBe('Juan Pérez');
  });

  it('a WhatsApp number is the E.164 whatsapp/phone identity: the same person calling in is the same citizen', async () => {
    const fwd = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'whatsapp').field('authorName', 'Doña Lupe').field('authorHandle', '444 987 6543').field('text', 'Reenviado de WhatsApp: fuga en la calle Zaragoza').expect(201);
    const citizen = await citizenOf(fwd.body.folio);
    expect(citizen.ids).toEqual([
      { kind: 'phone', value: '+524449876543' },
      { kind: 'whatsapp', value: '+524449876543' },
    ]);
    const [msg] = await t.db.query(`SELECT m.meta FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1 AND m.direction = 'inbound'`, [fwd.body.folio]);
    expect(msg.meta.forwarded.authorHandle).toBe('+524449876543');
    const agent = (await t.user('agent')).auth;
    const call = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .set('Idempotency-Key', `llamada-${Date.now()}`)
      .send({ channel: 'phone', subject: 'Llamada', description: 'Sigue la fuga en Zaragoza', citizen: { name: 'Guadalupe', phone: '+52 1 444 987 6543' } })
      .expect(201);
    expect(call.body.citizen.id).toBe(citizen.id);
  });

  // --- when it was posted ---
  it('postedAt without an offset is wall-clock time in the city (TZ_CITY); a date alone its midnight there; with an offset as given', async () => {
    const postedAt = async (value: string, text: string) => {
      const res = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'youtube').field('text', text).field('postedAt', value).expect(201);
      const [msg] = await t.db.query(`SELECT m.meta FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1 AND m.direction = 'inbound'`, [res.body.folio]);
      return msg.meta.forwarded.postedAt as string;
    };
    // America/Mexico_City (the default TZ_CITY) is UTC−6 all year
    expect(await postedAt('2026-11-25T18:30', 'Comentario en un video: bache en Av. Muñoz')).toBe('2026-11-26T00:30:00.000Z');
    expect(await postedAt('2026-11-25', 'Comentario en un video: bache en Av. Muñoz (fecha)')).toBe('2026-11-25T06:00:00.000Z');
    expect(await postedAt('2026-11-25T18:30:00-05:00', 'Comentario en un video: bache en Av. Muñoz (offset)')).toBe('2026-11-25T23:30:00.000Z');
  });
});
