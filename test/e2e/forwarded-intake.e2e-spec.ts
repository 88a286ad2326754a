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
    const [msg] = await t.db.query(`SELECT id, meta, author_user_id FROM messages WHERE ticket_id = $1`, [ticket.id]);
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
    const a = await forward(press.auth).set('Idempotency-Key', 'fwd-retry-0001').expect(201);
    const b = await forward(press.auth).set('Idempotency-Key', 'fwd-retry-0001').expect(201);
    expect(b.body.folio).toBe(a.body.folio);
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
});
