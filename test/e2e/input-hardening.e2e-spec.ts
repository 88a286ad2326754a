// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { META_APP_SECRET, messengerDelivery, TELEGRAM_SECRET, telegramUpdate } from '../support/social-payloads';
import { signMetaBody } from '../../src/intake/social/webhook-signature';
import { MAX_JSON_DEPTH } from '../../src/common/json-depth';
import { PNG_1PX } from '../support/fake-platforms';

/** `{"email": [[…]]}`: `depth` levels of objects/arrays in all */
const nestedLogin = (depth: number) => `{"email":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)},"password":"x"}`;
/** `depth` levels below the key, as text (JSON.stringify itself overflows on very deep values) */
const nestedValue = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('input hardening: JSON nesting', () => {
  let t: TestApp;
  let agent: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ META_APP_SECRET, TELEGRAM_SECRET_TOKEN: TELEGRAM_SECRET, WEBHOOK_RATE_LIMIT: '100000' });
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  const login = (raw: string | Buffer, contentType = 'application/json') =>
    // a Buffer goes out as is (superagent would JSON-encode it under a JSON content type)
    t.http().post('/api/v1/auth/login').set('Content-Type', contentType).serialize((body: unknown) => body as string).send(raw);
  const expectTooDeep = (res: { status: number; body: Record<string, unknown> }) => {
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/nested too deeply/) }),
    );
  };

  it.each([3_000, 500_000])('an unauthenticated login nested %i levels deep is a 400, not a 500', async (depth) => {
    expectTooDeep(await login(nestedLogin(depth)));
    // the service is still there
    await t.http().get('/health/live').expect(200);
  });

  it('any JSON endpoint, for any role: a deep ticket body is a 400', async () => {
    const raw = `{"subject":"Bache","description":"Bache","channel":"phone","citizen":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`;
    expectTooDeep(await t.http().post('/api/v1/tickets').set(agent).set('Content-Type', 'application/json').send(raw));
  });

  it(`up to ${MAX_JSON_DEPTH} levels reach validation (a field error), one more does not`, async () => {
    const atLimit = await login(nestedLogin(MAX_JSON_DEPTH)).expect(400);
    expect(atLimit.body.message).toBe('Validation failed: email');
    expect(atLimit.body.details).toEqual([expect.objectContaining({ field: 'email' })]);
    expectTooDeep(await login(nestedLogin(MAX_JSON_DEPTH + 1)));
    const thirty = await login(nestedLogin(30)).expect(400);
    expect(thirty.body.details[0].field).toBe('email');
  });

  it('brackets inside strings do not count: a valid body full of them is accepted', async () => {
    const text = `Vecinos escriben ${'[{'.repeat(2000)} y comillas \\"[[[\\" y barras \\\\[[ ${'}]'.repeat(2000)}`;
    const raw = `{"subject":"Bache con corchetes","description":"${text}","channel":"phone"}`;
    const res = await t.http().post('/api/v1/tickets').set(agent).set('Content-Type', 'application/json').send(raw).expect(201);
    expect(res.body.description).toBe(JSON.parse(`"${text}"`));
  });

  it('a UTF-16 body is measured on its characters; charsets a byte scan cannot read are refused', async () => {
    expectTooDeep(await login(Buffer.from(nestedLogin(3000), 'utf16le'), 'application/json; charset=utf-16le'));
    // UTF-7 spells "[[[" as "+AFsAWwBb-": body-parser would decode this to 3,000 levels that no byte scan sees
    const brackets = Buffer.from('['.repeat(3000), 'utf16le').swap16().toString('base64').replace(/=+$/, '');
    const utf7 = await login(Buffer.from(`{"email":+${brackets}-${']'.repeat(3000)},"password":"x"}`), 'application/json; charset=utf-7');
    expect(utf7.status).toBe(415);
    expect(utf7.body).toEqual(expect.objectContaining({ statusCode: 415, error: 'Unsupported Media Type' }));
  });

  describe('platform webhooks (raw body, signature checked on the bytes as sent)', () => {
    const messengerWith = (extra: string) => {
      const delivery = JSON.stringify(messengerDelivery('psid-profundo', 'Hola'));
      return `${delivery.slice(0, -1)},"extra":${extra}}`;
    };
    const postMeta = (raw: string) =>
      t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', signMetaBody(raw, META_APP_SECRET)).send(raw);
    const postTelegram = (raw: string) =>
      t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json').set('X-Telegram-Bot-Api-Secret-Token', TELEGRAM_SECRET).send(raw);

    it('a signed Meta delivery or a Telegram update nested 3,000 or 500,000 levels is refused with 400 and stored nowhere', async () => {
      for (const depth of [3_000, 500_000]) {
        expectTooDeep(await postMeta(messengerWith(nestedValue(depth))));
        expectTooDeep(await postTelegram(`{"update_id":1,"message":{"text":"hola","entities":${nestedValue(depth)}}}`));
      }
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM social_events`);
      expect(n).toBe(0);
    });

    it('a signed Meta delivery 30 levels deep, and a Telegram update with brackets in its text, are still accepted', async () => {
      const count = async () => (await t.db.query(`SELECT count(*)::int AS n FROM social_events`))[0].n as number;
      const before = await count();
      await postMeta(messengerWith(nestedValue(30))).expect(200);
      await postTelegram(JSON.stringify(telegramUpdate(4242, { text: 'Hola [[[{{{ "' }))).expect(200);
      expect(await count()).toBe(before + 2);
    });
  });
});

describe('input hardening: upload file names in UTF-8', () => {
  let t: TestApp;
  // what browsers and curl send: the name's UTF-8 bytes, in filename="..." (no filename*)
  const NAME = 'captura señal ñ á Peñasco 🚧.png';

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('staff attachments keep accented and emoji names: stored, listed and downloaded as sent', async () => {
    const agent = (await t.user('agent')).auth;
    const created = await t.http().post('/api/v1/tickets').set(agent).send({ subject: 'Semáforo apagado', description: 'En la esquina de Carranza', channel: 'phone' }).expect(201);
    const res = await t.http().post(`/api/v1/tickets/${created.body.folio}/attachments`).set(agent).attach('files', PNG_1PX, { filename: NAME, contentType: 'image/png' }).expect(201);
    const note = res.body.thread.find((m: { direction: string }) => m.direction === 'note');
    expect(note.attachments.map((a: { filename: string }) => a.filename)).toEqual([NAME]);
    const [row] = await t.db.query(`SELECT filename FROM attachments WHERE id = $1`, [note.attachments[0].id]);
    expect(row.filename).toBe(NAME);
    const download = await t.http().get(`/api/v1/tickets/${created.body.folio}/attachments/${note.attachments[0].id}`).set(agent).expect(200);
    expect(download.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent(NAME)}`);
  });

  it('forwarded screenshots keep theirs too', async () => {
    const press = (await t.user('press')).auth;
    const res = await t
      .http()
      .post('/api/v1/intake/forwarded')
      .set(press)
      .field('network', 'x')
      .field('authorName', 'Vecinos de Peñasco')
      .field('text', 'Semáforo apagado en la esquina, ¿quién lo arregla?')
      .attach('screenshots', PNG_1PX, { filename: NAME, contentType: 'image/png' })
      .expect(201);
    const rows = await t.db.query(
      `SELECT a.filename FROM attachments a JOIN messages m ON m.id = a.message_id JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1`,
      [res.body.folio],
    );
    expect(rows).toEqual([{ filename: NAME }]);
  });
});

describe('input hardening: names are trimmed before they are measured', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let n = 0;
  const uniq = () => `${Date.now().toString(36)}-${(n += 1)}`;

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await t.user('admin')).auth;
  });
  afterAll(() => t.close());

  const fields = (body: { details?: { field: string }[] }) => (body.details ?? []).map((d) => d.field);
  const BLANKS = ['  \t', '   ', '\n\n', ' x ', '\u00a0\u00a0\u3000'];
  const user = (name: unknown) => ({ email: `persona.${uniq()}@pruebas.slp.gob.mx`, name, role: 'agent', password: 'Contraseña-Segura-1' });

  it.each(BLANKS)('POST /users refuses the name %j with a 400 naming the field, and creates nobody', async (name) => {
    const body = user(name);
    const res = await t.http().post('/api/v1/users').set(admin).send(body).expect(400);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 400, error: 'Bad Request' }));
    expect(fields(res.body)).toEqual(['name']);
    expect(await t.db.query(`SELECT 1 FROM users WHERE email = $1`, [body.email])).toEqual([]);
  });

  it.each(BLANKS)('PATCH /users/{id} refuses the name %j and leaves the user as they were', async (name) => {
    const created = await t.http().post('/api/v1/users').set(admin).send(user('Lucía Ñáñez')).expect(201);
    const res = await t.http().patch(`/api/v1/users/${created.body.id}`).set(admin).send({ name }).expect(400);
    expect(fields(res.body)).toEqual(['name']);
    expect((await t.db.query(`SELECT name FROM users WHERE id = $1`, [created.body.id]))[0].name).toBe('Lucía Ñáñez');
  });

  it.each(BLANKS)('POST /areas and /categories refuse the name %j', async (name) => {
    const code = `blanco-${uniq()}`;
    expect(fields((await t.http().post('/api/v1/areas').set(admin).send({ code, name }).expect(400)).body)).toEqual(['name']);
    expect(fields((await t.http().post('/api/v1/categories').set(admin).send({ code, name }).expect(400)).body)).toEqual(['name']);
    expect(await t.db.query(`SELECT 1 FROM areas WHERE code = $1 UNION ALL SELECT 1 FROM categories WHERE code = $1`, [code])).toEqual([]);
  });

  it.each(BLANKS)('PATCH /areas/{id} and /categories/{id} refuse the name %j', async (name) => {
    const area = await t.http().post('/api/v1/areas').set(admin).send({ code: `area-${uniq()}`, name: 'Parques y Jardines' }).expect(201);
    const category = await t.http().post('/api/v1/categories').set(admin).send({ code: `cat-${uniq()}`, name: 'Poda' }).expect(201);
    expect(fields((await t.http().patch(`/api/v1/areas/${area.body.id}`).set(admin).send({ name }).expect(400)).body)).toEqual(['name']);
    expect(fields((await t.http().patch(`/api/v1/categories/${category.body.id}`).set(admin).send({ name }).expect(400)).body)).toEqual(['name']);
    expect((await t.db.query(`SELECT name FROM areas WHERE id = $1`, [area.body.id]))[0].name).toBe('Parques y Jardines');
    expect((await t.db.query(`SELECT name FROM categories WHERE id = $1`, [category.body.id]))[0].name).toBe('Poda');
  });

  it('names with surrounding blanks are stored trimmed; types other than text are still refused', async () => {
    const created = await t.http().post('/api/v1/users').set(admin).send(user('  Ana Pérez \t')).expect(201);
    expect(created.body.name).toBe('Ana Pérez');
    const renamed = await t.http().patch(`/api/v1/users/${created.body.id}`).set(admin).send({ name: '\tAna María Pérez  ' }).expect(200);
    expect(renamed.body.name).toBe('Ana María Pérez');
    const area = await t.http().post('/api/v1/areas').set(admin).send({ code: `area-${uniq()}`, name: '  Alumbrado Público  ' }).expect(201);
    expect(area.body.name).toBe('Alumbrado Público');
    const category = await t.http().post('/api/v1/categories').set(admin).send({ code: `cat-${uniq()}`, name: ' Bache ' }).expect(201);
    expect(category.body.name).toBe('Bache');
    const patched = await t.http().patch(`/api/v1/categories/${category.body.id}`).set(admin).send({ name: ' Baches ' }).expect(200);
    expect(patched.body.name).toBe('Baches');
    // the password is never trimmed: spaces are part of it
    const spaced = user('Beto');
    spaced.password = '  clave con espacios  ';
    await t.http().post('/api/v1/users').set(admin).send(spaced).expect(201);
    await t.http().post('/api/v1/auth/login').send({ email: spaced.email, password: spaced.password }).expect(200);
    for (const name of [null, 12345, ['Ana'], { a: 'Ana' }]) {
      expect(fields((await t.http().post('/api/v1/users').set(admin).send(user(name)).expect(400)).body)).toEqual(['name']);
    }
  });
});
