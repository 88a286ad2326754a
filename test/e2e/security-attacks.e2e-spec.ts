import { createHmac, randomUUID } from 'node:crypto';
import { startTestApp, TEST_JWT_SECRET, TestApp, USER_PASSWORD } from '../support/test-app';
import { ROLE_MATRIX, samplePath } from '../support/role-matrix';
import { ModulesContainer } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { PUBLIC_KEY, ROLES_KEY } from '../../src/auth/roles.decorator';
import { loadAppConfig } from '../../src/config/app-config';
import type { UserRole } from '../../src/users/user-role';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function jwt(payload: Record<string, unknown>, opts: { secret?: string; alg?: 'HS256' | 'HS512' | 'none' } = {}): string {
  const alg = opts.alg ?? 'HS256';
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
  if (alg === 'none') return `${head}.`;
  const sig = createHmac(alg === 'HS512' ? 'sha512' : 'sha256', opts.secret ?? TEST_JWT_SECRET).update(head).digest('base64url');
  return `${head}.${sig}`;
}
const now = () => Math.floor(Date.now() / 1000);
let ipCounter = 0;
/** a client address of its own (trust proxy: loopback), so each test has its own rate-limit bucket */
const freshIp = () => `198.51.100.${++ipCounter}`;

// 'signed' routes (platform webhooks) take no token at all: their signature checks are in social-webhooks.e2e-spec.ts
const PROTECTED = Object.entries(ROLE_MATRIX).filter(([, allowed]) => allowed !== 'public' && allowed !== 'signed') as Array<[string, UserRole[]]>;

const SQLI = [`' OR '1'='1`, `'; DROP TABLE tickets; --`, `1) OR (1=1`, `\\'; SELECT pg_sleep(5); --`, `" OR ""="`, `%' AND 1=1 --`, `$1`, `SLP-1999-000001' OR 1=1--`, `' UNION SELECT email, password_hash FROM users --`];
const XSS = [`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `javascript:alert(1)`, `<svg/onload=alert(1)>`, `{{7*7}}`, '${7*7}', `</textarea><iframe src=//evil>`];

describe('attack suite: tokens, roles, IDOR, injection, XSS, body size, headers, brute force', () => {
  let t: TestApp;
  const users = {} as Record<UserRole, { id: string; token: string; auth: Record<string, string> }>;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '5', PUBLIC_RATE_LIMIT: '5', CORS_ORIGINS: 'https://panel.slp.gob.mx' });
    for (const role of ['admin', 'supervisor', 'agent', 'press'] as UserRole[]) {
      const u = await t.user(role);
      users[role] = { id: u.user.id, token: u.token, auth: u.auth };
    }
  });
  afterAll(() => t.close());

  const call = (route: string, headers: Record<string, string>) => {
    const [method, template] = route.split(' ');
    const req = t.http()[method.toLowerCase() as 'get' | 'post' | 'patch' | 'put'](samplePath(template)).set(headers);
    return method === 'GET' ? req : req.send({});
  };

  describe('bad tokens on every protected route of the role matrix', () => {
    it.each(PROTECTED)('%s refuses forged, expired, alg:none, HS512, malformed and revoked tokens with 401', async (route) => {
      const admin = users.admin.id;
      const inactive = await t.user('admin', { active: false });
      const bad: Record<string, string> = {
        none: '',
        forged: jwt({ sub: admin, role: 'admin', iat: now(), exp: now() + 3600 }, { secret: 'another-secret-another-secret-0123456789' }),
        expired: jwt({ sub: admin, role: 'admin', iat: now() - 7200, exp: now() - 60 }),
        algNone: jwt({ sub: admin, role: 'admin', iat: now(), exp: now() + 3600 }, { alg: 'none' }),
        hs512: jwt({ sub: admin, role: 'admin', iat: now(), exp: now() + 3600 }, { alg: 'HS512' }),
        tamperedPayload: `${users.press.token.split('.')[0]}.${b64({ sub: admin, role: 'admin', exp: now() + 3600 })}.${users.press.token.split('.')[2]}`,
        unknownUser: jwt({ sub: randomUUID(), role: 'admin', iat: now(), exp: now() + 3600 }),
        notAUuid: jwt({ sub: "' OR 1=1 --", role: 'admin', iat: now(), exp: now() + 3600 }),
        deactivated: inactive.token,
        garbage: 'not-a-jwt',
      };
      const results = await Promise.all(
        Object.entries(bad).map(async ([kind, token]) => {
          const res = await call(route, token ? { Authorization: `Bearer ${token}` } : {});
          return { kind, status: res.status, code: res.body.code as string };
        }),
      );
      expect(results).toEqual(Object.keys(bad).map((kind) => ({ kind, status: 401, code: 'UNAUTHORIZED' })));
    });

    it.each(PROTECTED.filter(([, allowed]) => !allowed.includes('press')))(
      '%s: a press token whose payload claims admin is still press (403): the role comes from the database',
      async (route) => {
        const claimsAdmin = jwt({ sub: users.press.id, role: 'admin', iat: now(), exp: now() + 3600 });
        const res = await call(route, { Authorization: `Bearer ${claimsAdmin}` });
        expect(res.status).toBe(403);
      },
    );
  });

  it('every route of every controller (also those hidden from OpenAPI) declares @Roles or @Public; the guard refuses the rest', () => {
    const undeclared: string[] = [];
    let routes = 0;
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const cls = wrapper.metatype as (new (...args: never[]) => unknown) | null;
        if (!cls) continue;
        for (const name of Object.getOwnPropertyNames(cls.prototype)) {
          const handler = (cls.prototype as Record<string, unknown>)[name];
          if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
          routes += 1;
          const declared = [handler, cls].some((target) => Reflect.getMetadata(PUBLIC_KEY, target) === true || (Reflect.getMetadata(ROLES_KEY, target) ?? []).length > 0);
          if (!declared) undeclared.push(`${cls.name}.${name} (${String(Reflect.getMetadata(METHOD_METADATA, handler))})`);
        }
      }
    }
    expect(routes).toBeGreaterThanOrEqual(Object.keys(ROLE_MATRIX).length);
    expect(undeclared).toEqual([]);
  });

  describe('IDOR', () => {
    let phoneFolio: string;
    let socialFolio: string;
    let citizenId: string;

    beforeAll(async () => {
      const phone = await t
        .http()
        .post('/api/v1/tickets')
        .set(users.agent.auth)
        .send({ subject: 'Luminaria apagada', description: 'Calle Juárez', channel: 'phone', citizen: { name: 'Ana Idor', email: 'ana.idor@correo.mx' } })
        .expect(201);
      phoneFolio = phone.body.folio;
      citizenId = phone.body.citizen.id;
      // forwarded by another press user: press users read what came from social media, whoever forwarded it
      const forwarder = await t.user('press');
      const social = await t
        .http()
        .post('/api/v1/intake/forwarded')
        .set(forwarder.auth)
        .field('network', 'facebook')
        .field('authorName', 'Beto Redes')
        .field('authorHandle', 'beto.redes')
        .field('text', 'Reportado por redes: basura en la esquina')
        .expect(201);
      socialFolio = social.body.folio;
      await t.http().post(`/api/v1/tickets/${socialFolio}/notes`).set(users.agent.auth).send({ body: 'nota interna del agente' }).expect(201);
    });

    it('press cannot read a non-social ticket by guessing its folio: same 404 as a folio that does not exist', async () => {
      const existing = await t.http().get(`/api/v1/tickets/${phoneFolio}`).set(users.press.auth).expect(404);
      const missing = await t.http().get(`/api/v1/tickets/SLP-2026-999999`).set(users.press.auth).expect(404);
      expect(existing.body.code).toBe(missing.body.code);
      const list = await t.http().get(`/api/v1/tickets?q=${phoneFolio}`).set(users.press.auth).expect(200);
      expect(list.body.items).toEqual([]);
      await t.http().post(`/api/v1/tickets/${socialFolio}/transitions`).set(users.press.auth).send({ to: 'in_progress' }).expect(403);
    });

    it('press sees a social ticket without contact data, public token or internal notes', async () => {
      const res = await t.http().get(`/api/v1/tickets/${socialFolio}`).set(users.press.auth).expect(200);
      expect(res.body.citizen.identities).toBeUndefined();
      expect(res.body.publicStatusToken).toBeUndefined();
      expect(res.body.thread.map((m: { direction: string }) => m.direction)).toEqual(['inbound']);
    });

    it("nobody but supervisors and admins exports or anonymises a citizen; ids that do not exist are 404", async () => {
      for (const role of ['agent', 'press'] as UserRole[]) {
        await t.http().get(`/api/v1/citizens/${citizenId}/export`).set(users[role].auth).expect(403);
        await t.http().post(`/api/v1/citizens/${citizenId}/anonymise`).set(users[role].auth).send({ reason: 'quiero sus datos' }).expect(403);
      }
      await t.http().get(`/api/v1/citizens/${citizenId}`).set(users.press.auth).expect(403);
      await t.http().patch(`/api/v1/citizens/${citizenId}`).set(users.press.auth).send({ name: 'x' }).expect(403);
      await t.http().get(`/api/v1/citizens/${randomUUID()}/export`).set(users.supervisor.auth).expect(404);
      await t.http().get(`/api/v1/citizens/../users/export`).set(users.supervisor.auth).expect((r) => expect([400, 404]).toContain(r.status));
    });

    it('the public token is long and random, never in list responses', async () => {
      const detail = await t.http().get(`/api/v1/tickets/${phoneFolio}`).set(users.agent.auth).expect(200);
      expect(detail.body.publicStatusToken).toMatch(/^[\w-]{43}$/);
      const list = await t.http().get(`/api/v1/tickets`).set(users.agent.auth).expect(200);
      expect(JSON.stringify(list.body)).not.toContain(detail.body.publicStatusToken);
    });
  });

  describe('SQL injection in every filter and search', () => {
    let ticketCount: number;
    beforeAll(async () => {
      await t.http().post('/api/v1/tickets').set(users.agent.auth).send({ subject: 'Bache profundo', description: 'Frente al mercado', channel: 'phone', citizen: { name: 'Carla Consulta' } }).expect(201);
      ticketCount = (await t.db.query(`SELECT count(*)::int AS n FROM tickets`))[0].n;
    });

    const FILTERS: Array<[string, string]> = [
      ['/api/v1/tickets', 'q'],
      ['/api/v1/tickets', 'status'],
      ['/api/v1/tickets', 'channel'],
      ['/api/v1/tickets', 'priority'],
      ['/api/v1/tickets', 'areaId'],
      ['/api/v1/tickets', 'categoryId'],
      ['/api/v1/tickets', 'citizenId'],
      ['/api/v1/tickets', 'assignee'],
      ['/api/v1/tickets', 'from'],
      ['/api/v1/tickets', 'to'],
      ['/api/v1/tickets', 'overdue'],
      ['/api/v1/tickets', 'cursor'],
      ['/api/v1/tickets', 'limit'],
      ['/api/v1/citizens', 'q'],
      ['/api/v1/citizens', 'kind'],
      ['/api/v1/citizens', 'limit'],
      ['/api/v1/personal-data/access-log', 'citizenId'],
      ['/api/v1/personal-data/access-log', 'userId'],
      ['/api/v1/personal-data/access-log', 'action'],
      ['/api/v1/personal-data/access-log', 'cursor'],
      ['/api/v1/personal-data/access-log', 'from'],
    ];

    it.each(FILTERS)('%s?%s= answers 200 or 400 — never 500, never extra rows — for every payload', async (path, param) => {
      for (const payload of SQLI) {
        const res = await t.http().get(path).query({ [param]: payload }).set(users.admin.auth);
        expect({ payload, status: res.status }).toEqual({ payload, status: res.status === 200 ? 200 : 400 });
        if (res.status === 200) {
          const rows = Array.isArray(res.body) ? res.body : res.body.items;
          expect({ payload, rows: rows.length }).toEqual({ payload, rows: 0 });
        }
      }
      expect((await t.db.query(`SELECT count(*)::int AS n FROM tickets`))[0].n).toBe(ticketCount);
    });

    it('LIKE wildcards are literal: % and _ do not match every citizen', async () => {
      for (const q of ['%%', '__', '%_%']) {
        const res = await t.http().get('/api/v1/citizens').query({ q }).set(users.agent.auth).expect(200);
        expect({ q, rows: res.body.length }).toEqual({ q, rows: 0 });
      }
    });

    it('NUL bytes and broken encodings in queries, paths and bodies are a clear 400, not a 500', async () => {
      const folio = (await t.http().get('/api/v1/tickets').set(users.agent.auth)).body.items[0].folio;
      const attempts = [
        t.http().get('/api/v1/tickets?q=%00bache').set(users.agent.auth),
        t.http().get('/api/v1/citizens?q=%00%00').set(users.agent.auth),
        t.http().post(`/api/v1/tickets/${folio}/notes`).set(users.agent.auth).send({ body: 'x\u0000y' }),
        t.http().patch(`/api/v1/tickets/${folio}`).set(users.agent.auth).send({ address: 'Calle \u0000 1' }),
        t.http().get('/api/v1/tickets/%FF%FE').set(users.agent.auth),
      ];
      const statuses = (await Promise.all(attempts)).map((r) => r.status);
      expect(statuses).toEqual([400, 400, 400, 400, statuses[4] === 404 ? 404 : 400]);
      // capture strips NUL (the intake never loses a report over it)
      await t.http().post('/api/v1/tickets').set(users.agent.auth).send({ subject: 'Con NUL', description: 'a\u0000b', channel: 'phone' }).expect(201);
    });
  });

  describe('malformed values the database would refuse: 400 with the field, never 500', () => {
    const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    it.each([
      ['week date', '/api/v1/tickets?from=2024-W05'],
      ['ordinal date', '/api/v1/tickets?to=2024-123'],
      ['basic-format date', '/api/v1/tickets?from=20240101'],
      ['hour without minutes', '/api/v1/tickets?from=2024-01-01T10'],
      ['30 February in a cursor', `/api/v1/tickets?cursor=${cursorOf('2024-02-30T00:00:00Z|1')}`],
      ['an id beyond bigint in a cursor', `/api/v1/tickets?cursor=${cursorOf('2024-02-01T00:00:00Z|9999999999999999999')}`],
      ['36 dashes as a user id', `/api/v1/tickets?assignee=${'-'.repeat(36)}`],
      ['36 hex digits as a user id', `/api/v1/tickets?assignee=${'a'.repeat(36)}`],
      ['week date in the access log', '/api/v1/personal-data/access-log?from=2024-W05'],
      ['a paging id beyond any row', '/api/v1/intake/log?before=1e20'],
    ])('%s', async (_what, url) => {
      const res = await t.http().get(url).set(users.admin.auth);
      expect([res.status, res.body.statusCode]).toEqual([400, 400]);
    });

    it('a forwarded post dated with a week date or a basic-format date', async () => {
      for (const postedAt of ['2024-W05', '20240101', '2024-01-01T10']) {
        const res = await t.http().post('/api/v1/intake/forwarded').set(users.press.auth).field('network', 'x').field('text', 'Bache').field('postedAt', postedAt);
        expect([postedAt, res.status]).toEqual([postedAt, 400]);
      }
      await t.http().post('/api/v1/intake/forwarded').set(users.press.auth).field('network', 'x').field('text', 'Bache').field('postedAt', '2026-11-25T18:30:00-06:00').expect(201);
    });
  });

  describe('null for a field that can be left out but not cleared: 400 naming it, never 500', () => {
    it('on tickets, users, citizens, areas, categories and routing rules; fields that may be cleared still can', async () => {
      const admin = users.admin.auth;
      const ticket = await t.http().post('/api/v1/tickets').set(users.agent.auth).send({ subject: 'Poste caído', description: 'En la esquina', channel: 'phone', colonia: 'Centro', citizen: { name: 'Nulo', email: 'nulo@correo.mx' } }).expect(201);
      const area = await t.http().post('/api/v1/areas').set(admin).send({ code: `nulos-${Date.now()}`, name: 'Área de pruebas', supervisorEmail: 'jefa@slp.gob.mx' }).expect(201);
      const category = await t.http().post('/api/v1/categories').set(admin).send({ code: `nulo-${Date.now()}`, name: 'Categoría de pruebas', areaId: area.body.id }).expect(201);
      const rule = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: `nulidad${Date.now()}`, categoryId: category.body.id }).expect(201);
      const user = await t.http().post('/api/v1/users').set(admin).send({ email: `nulo.${Date.now()}@slp.gob.mx`, name: 'Usuario Nulo', role: 'agent', password: 'Contrasena-larga-1' }).expect(201);
      const attempts: Array<[string, Record<string, unknown>, string]> = [
        [`/api/v1/tickets/${ticket.body.folio}`, { subject: null }, 'subject'],
        [`/api/v1/tickets/${ticket.body.folio}`, { description: null }, 'description'],
        [`/api/v1/tickets/${ticket.body.folio}`, { priority: null }, 'priority'],
        [`/api/v1/tickets/${ticket.body.folio}`, { categoryId: null }, 'categoryId'],
        [`/api/v1/tickets/${ticket.body.folio}`, { tags: null }, 'tags'],
        [`/api/v1/users/${user.body.id}`, { name: null }, 'name'],
        [`/api/v1/users/${user.body.id}`, { password: null }, 'password'],
        [`/api/v1/citizens/${ticket.body.citizen.id}`, { name: null }, 'name'],
        [`/api/v1/citizens/${ticket.body.citizen.id}`, { emails: null }, 'emails'],
        [`/api/v1/areas/${area.body.id}`, { name: null }, 'name'],
        [`/api/v1/categories/${category.body.id}`, { code: null }, 'code'],
        [`/api/v1/routing-rules/${rule.body.id}`, { keyword: null }, 'keyword'],
      ];
      for (const [url, body, field] of attempts) {
        const res = await t.http().patch(url).set(admin).send(body);
        expect([url, field, res.status, res.body.details?.map((d: { field: string }) => d.field)]).toEqual([url, field, 400, [field]]);
      }
      const unknownArea = '00000000-0000-4000-8000-000000000000';
      await t.http().post('/api/v1/users').set(admin).send({ email: `sin.area.${Date.now()}@slp.gob.mx`, name: 'Sin Área', role: 'agent', password: 'Contrasena-larga-1', areaId: unknownArea }).expect(400);
      await t.http().patch(`/api/v1/users/${user.body.id}`).set(admin).send({ areaId: unknownArea }).expect(400);
      await t.http().patch(`/api/v1/users/${user.body.id}`).set(admin).send({ areaId: area.body.id }).expect(200);
      const longHandle = await t.http().post('/api/v1/intake/forwarded').set(users.press.auth).field('network', 'tiktok').field('text', 'Video de un bache').field('authorHandle', 'h'.repeat(200)).expect(201);
      expect(longHandle.body.folio).toBeDefined();
      const cleared = await t.http().patch(`/api/v1/tickets/${ticket.body.folio}`).set(admin).send({ colonia: null }).expect(200);
      expect(cleared.body.location.colonia).toBeNull();
      await t.http().patch(`/api/v1/areas/${area.body.id}`).set(admin).send({ supervisorEmail: null }).expect(200);
    });
  });

  describe('XSS and template strings in every text field: stored as data, returned verbatim as JSON', () => {
    it.each(XSS)('%s', async (evil) => {
      const created = await t
        .http()
        .post('/api/v1/tickets')
        .set(users.agent.auth)
        .send({
          subject: `Asunto ${evil}`,
          description: `Descripción ${evil}`,
          channel: 'walk_in',
          address: `Calle ${evil}`,
          colonia: `Col ${evil}`.slice(0, 160),
          tags: [evil.slice(0, 40)],
          citizen: { name: `Vecino ${evil}`.slice(0, 200) },
        })
        .expect(201);
      expect(created.headers['content-type']).toMatch(/^application\/json/);
      expect(created.headers['x-content-type-options']).toBe('nosniff');
      expect(created.body.subject).toBe(`Asunto ${evil}`);
      expect(created.body.description).toBe(`Descripción ${evil}`);
      expect(created.body.location.address).toBe(`Calle ${evil}`);
      expect(created.body.tags).toEqual([evil.slice(0, 40)]);
      expect(created.body.citizen.name).toBe(`Vecino ${evil}`);
      const folio: string = created.body.folio;

      await t.http().post(`/api/v1/tickets/${folio}/notes`).set(users.agent.auth).send({ body: `Nota ${evil}` }).expect(201);
      await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(users.agent.auth).send({ to: 'waiting_citizen', reason: `Motivo ${evil}`, message: `Mensaje ${evil}` }).expect(200);
      await t.http().post(`/api/v1/tickets/${folio}/assign`).set(users.agent.auth).send({ assigneeId: users.agent.id, reason: `Turno ${evil}` }).expect(200);
      await t.http().patch(`/api/v1/tickets/${folio}`).set(users.agent.auth).send({ colonia: `Otra ${evil}`.slice(0, 160) }).expect(200);
      await t.http().patch(`/api/v1/citizens/${created.body.citizen.id}`).set(users.agent.auth).send({ name: `Rectificado ${evil}` }).expect(200);
      const area = await t.http().post('/api/v1/areas').set(users.admin.auth).send({ code: `area-${randomUUID().slice(0, 8)}`, name: `Área ${evil}` }).expect(201);
      expect(area.body.name).toBe(`Área ${evil}`);

      const detail = await t.http().get(`/api/v1/tickets/${folio}`).set(users.agent.auth).expect(200);
      expect(detail.headers['content-type']).toMatch(/^application\/json/);
      expect(detail.body.thread.map((m: { bodyText: string }) => m.bodyText)).toEqual([`Descripción ${evil}`, `Nota ${evil}`, `Mensaje ${evil}`]);
      expect(detail.body.events.find((e: { type: string }) => e.type === 'status_changed').reason).toBe(`Motivo ${evil}`);
      expect(detail.body.location.colonia).toBe(`Otra ${evil}`.slice(0, 160));
      expect(detail.body.citizen.name).toBe(`Rectificado ${evil}`);
      const [row] = await t.db.query(`SELECT subject FROM tickets WHERE folio = $1`, [folio]);
      expect(row.subject).toBe(`Asunto ${evil}`);
    });

    it('staff names (one account: password hashing is slow on purpose)', async () => {
      const name = XSS.join(' ').slice(0, 160);
      const user = await t.http().post('/api/v1/users').set(users.admin.auth).send({ email: `u${randomUUID().slice(0, 8)}@slp.gob.mx`, name, role: 'agent', password: 'Una-Contraseña-Larga-1' }).expect(201);
      expect(user.body.name).toBe(name);
      const read = await t.http().get(`/api/v1/users/${user.body.id}`).set(users.admin.auth).expect(200);
      expect(read.body.name).toBe(name);
    });

    it('the only HTML page (privacy notice) escapes admin text', async () => {
      await t.http().put('/api/v1/privacy-notice/integral').set(users.admin.auth).send({ title: XSS[1], body: XSS.join('\n\n') }).expect(200);
      const page = await t.http().get('/aviso-de-privacidad').set('X-Forwarded-For', freshIp()).expect(200);
      expect(page.text).not.toMatch(/<script>|<img |<svg|<iframe/);
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });
  });

  describe('request size', () => {
    it('answers 413 with a JSON error to bodies over 1 MB (JSON and form) and stores nothing', async () => {
      const before = (await t.db.query(`SELECT count(*)::int AS n FROM tickets`))[0].n;
      const big = 'x'.repeat(1024 * 1024 + 10);
      const json = await t.http().post('/api/v1/tickets').set(users.agent.auth).send({ subject: 'Grande', description: big, channel: 'phone' }).expect(413);
      expect(json.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', message: 'Request body too large' });
      const form = await t.http().post('/api/v1/auth/login').set('X-Forwarded-For', freshIp()).type('form').send(`email=a@b.mx&password=${big}`).expect(413);
      expect(form.body.statusCode).toBe(413);
      const huge = await t.http().post('/api/v1/tickets').set(users.agent.auth).set('Content-Type', 'application/json').send(`{"subject":"${'y'.repeat(5 * 1024 * 1024)}"}`).expect(413);
      expect(huge.body.statusCode).toBe(413);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM tickets`))[0].n).toBe(before);
    });

    it('field limits below 1 MB are a 400 naming the field', async () => {
      const res = await t.http().post('/api/v1/tickets').set(users.agent.auth).send({ subject: 'Largo', description: 'x'.repeat(20001), channel: 'phone' }).expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['description']);
    });

    it('malformed JSON is a 400', async () => {
      const res = await t.http().post('/api/v1/tickets').set(users.agent.auth).set('Content-Type', 'application/json').send('{"subject": "x",').expect(400);
      expect(res.body.message).toBe('Malformed JSON body');
    });
  });

  describe('headers and CORS', () => {
    it('sends helmet security headers and no X-Powered-By', async () => {
      const res = await t.http().get('/api/v1/auth/me').set(users.agent.auth).expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('answers CORS only for configured origins', async () => {
      const ok = await t.http().options('/api/v1/tickets').set('Origin', 'https://panel.slp.gob.mx').set('Access-Control-Request-Method', 'GET');
      expect(ok.headers['access-control-allow-origin']).toBe('https://panel.slp.gob.mx');
      const evil = await t.http().options('/api/v1/tickets').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await t.http().get('/api/v1/auth/me').set(users.agent.auth).set('Origin', 'https://evil.example').expect(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('refuses to start with a JWT_SECRET shorter than 32 characters', () => {
      expect(() => loadAppConfig({ JWT_SECRET: 'x'.repeat(31) })).toThrow(/JWT_SECRET must be at least 32 characters/);
    });
  });

  describe('brute force', () => {
    const login = (email: string, password: string, ip: string) =>
      t.http().post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

    it('rate-limits login per client address (429 with Retry-After), other addresses unaffected', async () => {
      const ip = freshIp();
      // the limit applies before the body is even validated (invalid bodies keep this test fast: no password hashing)
      for (let i = 0; i < 5; i++) await login('no-es-correo', '', ip).expect(400);
      const limited = await login('nadie@slp.gob.mx', 'adivina-6', ip).expect(429);
      expect(limited.headers['retry-after-login']).toMatch(/^\d+$/);
      expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      await login('nadie@slp.gob.mx', 'adivina-7', freshIp()).expect(401);
    });

    it('locks the account for the failing client after 5 parallel failures; the owner still logs in from elsewhere', async () => {
      // (here LOGIN_RATE_LIMIT=5 stops a 6th request from that address first; the lockout's own answer,
      // the generic 401, and its atomicity under 20 parallel guesses are in auth-sessions.e2e-spec.ts)
      const victim = await t.user('agent');
      const ip = freshIp();
      const guesses = await Promise.all(Array.from({ length: 5 }, (_, i) => login(victim.user.email, `mala-${i}`, ip)));
      expect(guesses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
      expect(new Set(guesses.map((r) => r.body.message))).toEqual(new Set(['Correo o contraseña incorrectos']));
      const [lock] = await t.db.query(`SELECT attempts, locked_until > now() AS locked FROM login_attempts WHERE user_id = $1`, [victim.user.id]);
      expect(lock).toEqual({ attempts: 5, locked: true });
      await login(victim.user.email, USER_PASSWORD, freshIp()).expect(200);
    });

    it('rate-limits the public pages too', async () => {
      const ip = freshIp();
      for (let i = 0; i < 5; i++) await t.http().get('/aviso-de-privacidad').set('X-Forwarded-For', ip).expect(200);
      const limited = await t.http().get('/aviso-de-privacidad').set('X-Forwarded-For', ip).expect(429);
      // a citizen in a browser gets a page in Spanish, with the wait
      expect(limited.headers['content-type']).toMatch(/^text\/html/);
      expect(limited.text).toContain('Ha realizado demasiadas consultas en poco tiempo. Espere un minuto e inténtelo de nuevo.');
      expect(limited.text).not.toMatch(/Too Many|Throttler/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // a program asking for JSON still gets JSON
      const json = await t.http().get('/aviso-de-privacidad').set('X-Forwarded-For', ip).set('Accept', 'application/json').expect(429);
      expect(json.body.statusCode).toBe(429);
      const ipTwo = freshIp();
      for (let i = 0; i < 5; i++) await t.http().get(`/seguimiento/SLP-2026-999999`).set('X-Forwarded-For', ipTwo).expect(404);
      const page = await t.http().get(`/seguimiento/SLP-2026-999999`).set('X-Forwarded-For', ipTwo).expect(429);
      expect(page.text).toContain('Demasiadas consultas');
      await t.http().get('/api/v1/privacy-notice').set('X-Forwarded-For', freshIp()).expect(200);
    });
  });
});
