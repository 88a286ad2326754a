import type { INestApplication } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/test-app';
import { startAppOnDatabase } from '../support/app-on-database';
import type { RunningApp } from '../../src/bootstrap';

/** a load balancer on another host: every connection the service sees comes from it */
const BALANCER = '10.0.0.5';
const LIMIT = 3;

/** The app as reached through that balancer: the same Express app, its peer address set to BALANCER. */
function viaBalancer(app: INestApplication): Server {
  const handler = app.getHttpAdapter().getInstance() as (req: IncomingMessage, res: ServerResponse) => void;
  return createServer((req, res) => {
    Object.defineProperty(req.socket, 'remoteAddress', { value: BALANCER, configurable: true });
    handler(req, res);
  });
}

/**
 * TRUST_PROXY decides whose X-Forwarded-For names the client, and so which rate-limit bucket and
 * login-lockout address a request counts against. The default (`loopback`) keeps what the service
 * always did: a reverse proxy on the same host is believed, one on another host is not — all its
 * clients share its address.
 */
describe('TRUST_PROXY: the client address behind a proxy (login rate limit and lockout)', () => {
  let t: TestApp;
  const extra: RunningApp[] = [];
  const servers: Server[] = [];
  let ip = 0;
  const freshIp = () => `198.51.100.${++ip}`;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: String(LIMIT) });
  });
  afterAll(async () => {
    for (const s of servers) if (s.listening) await new Promise((done) => s.close(done));
    for (const a of extra) await a.close();
    await t?.close();
  });

  /** another instance on the same database (rate-limit counters are per instance) with this TRUST_PROXY */
  const instance = async (trustProxy: string): Promise<INestApplication> => {
    const running = await startAppOnDatabase(t.running.databaseUrl, { LOGIN_RATE_LIMIT: String(LIMIT), TRUST_PROXY: trustProxy });
    extra.push(running);
    return running.app;
  };
  const through = (app: INestApplication) => {
    const server = viaBalancer(app);
    servers.push(server);
    return server;
  };
  /** an invalid body: counted by the rate limit (which runs first) without any password hashing */
  const attempt = (server: Server, forwardedFor: string) =>
    request(server).post('/api/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({ email: 'no-es-correo', password: '' });
  /** uses up one client's login budget on that server */
  const exhaust = async (server: Server, forwardedFor: string) => {
    for (let i = 0; i < LIMIT; i++) await attempt(server, forwardedFor).expect(400);
    await attempt(server, forwardedFor).expect(429);
  };
  /** the client address a failed login for a fresh account was recorded against (the lockout's key) */
  const lockoutClient = async (server: Server, forwardedFor: string): Promise<string> => {
    const { user } = await t.user('agent');
    await request(server).post('/api/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({ email: user.email, password: 'no-es-la-buena' }).expect(401);
    const rows: Array<{ client: string }> = await t.db.query(`SELECT client FROM login_attempts WHERE user_id = $1`, [user.id]);
    return rows.map((r) => r.client).join(' ');
  };

  describe('default (loopback)', () => {
    it('behind a balancer on another host, two clients share one bucket and one lockout address: the balancer', async () => {
      const server = through(t.app);
      const a = freshIp();
      const b = freshIp();
      expect(await lockoutClient(server, a)).toBe(BALANCER); // a: 1 of the budget of 3
      await attempt(server, b).expect(400); // b: 2 — of the same budget
      await attempt(server, a).expect(400); // a: 3
      await attempt(server, b).expect(429); // b never had 3 of its own
      await attempt(server, freshIp()).expect(429);
    });

    it('a proxy on the same host is believed, as before: each forwarded client has its own bucket', async () => {
      const a = freshIp();
      expect(await lockoutClient(t.app.getHttpServer(), a)).toBe(a);
      await exhaust(t.app.getHttpServer(), freshIp());
      await attempt(t.app.getHttpServer(), freshIp()).expect(400);
    });
  });

  describe('TRUST_PROXY=1 (one balancer, wherever it is)', () => {
    it('two clients forwarded by the balancer get separate buckets and lockout addresses', async () => {
      const server = through(await instance('1'));
      const a = freshIp();
      const b = freshIp();
      expect(await lockoutClient(server, b)).toBe(b);
      await exhaust(server, a);
      await attempt(server, b).expect(400);
      await attempt(server, freshIp()).expect(400);
    });

    it('a client cannot pick its address: only the hop the balancer added counts', async () => {
      const server = through(await instance('1'));
      const real = freshIp();
      // the client sends its own X-Forwarded-For; the balancer appends the address it saw
      for (let i = 0; i < LIMIT; i++) await attempt(server, `203.0.113.${i + 1}, ${real}`).expect(400);
      await attempt(server, `203.0.113.200, ${real}`).expect(429);
    });
  });

  describe('TRUST_PROXY as addresses', () => {
    it("believes the balancer's network, and no longer a proxy on the loopback", async () => {
      const app = await instance('10.0.0.0/8');
      const server = through(app);
      await exhaust(server, freshIp());
      await attempt(server, freshIp()).expect(400);
      // straight from 127.0.0.1: X-Forwarded-For is not believed, every "client" is that peer
      const direct = app.getHttpServer();
      await exhaust(direct, freshIp());
      await attempt(direct, freshIp()).expect(429);
    });
  });

  describe('TRUST_PROXY=false', () => {
    it('believes no X-Forwarded-For, not even from the loopback', async () => {
      const direct = (await instance('false')).getHttpServer();
      expect(await lockoutClient(direct, freshIp())).toMatch(/^(127\.0\.0\.1|::1\/64)$/);
      await attempt(direct, freshIp()).expect(400);
      await attempt(direct, freshIp()).expect(400);
      await attempt(direct, freshIp()).expect(429);
    });
  });
});
