import { startTestApp, TestApp, USER_PASSWORD } from '../support/test-app';

// the app's password hasher calls node:crypto's scrypt through the module object: counting the calls
// made with one stored hash's salt counts the password checks against that account
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeCrypto = require('node:crypto') as typeof import('node:crypto');

const GENERIC = { statusCode: 401, error: 'Unauthorized', code: 'UNAUTHORIZED', message: 'Correo o contraseña incorrectos' };
/** the answer without what differs on every request */
const answer = (res: { status: number; body: Record<string, unknown> }) => {
  const { requestId, ...body } = res.body;
  return { status: res.status, body, requestId: typeof requestId };
};

describe('login lockout: per account and client, atomic, indistinguishable', () => {
  let t: TestApp;
  let ip = 0;
  /** a client address of its own (loopback is a trusted proxy) */
  const freshIp = () => `203.0.113.${++ip}`;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '1000' });
  });
  afterAll(() => t.close());

  const login = (email: string, password: string, from: string) =>
    t.http().post('/api/v1/auth/login').set('X-Forwarded-For', from).send({ email, password });

  /** runs fn and counts the scrypt calls made with the salt of the user's stored hash, and all of them */
  async function countPasswordChecks<T>(userId: string, fn: () => Promise<T>): Promise<{ result: T; checks: number; hashes: number }> {
    const [{ password_hash: stored }] = await t.db.query(`SELECT password_hash FROM users WHERE id = $1`, [userId]);
    const salt = Buffer.from((stored as string).split('$')[4], 'base64');
    let checks = 0;
    let hashes = 0;
    const real = nodeCrypto.scrypt;
    const spy = jest.spyOn(nodeCrypto, 'scrypt').mockImplementation((...args: Parameters<typeof real>) => {
      hashes += 1;
      if (Buffer.isBuffer(args[1]) && args[1].equals(salt)) checks += 1;
      return (real as (...a: unknown[]) => void)(...args);
    });
    try {
      return { result: await fn(), checks, hashes };
    } finally {
      spy.mockRestore();
    }
  }

  it('checks at most 5 passwords of 20 parallel guesses from one client, then refuses even the right one', async () => {
    const { user } = await t.user('admin');
    const from = freshIp();
    const { result, checks } = await countPasswordChecks(user.id, () =>
      Promise.all(Array.from({ length: 20 }, (_, i) => login(user.email, `adivina-${i}`, from))),
    );
    expect(result.map((r) => r.status)).toEqual(Array(20).fill(401));
    expect(checks).toBe(5);
    const right = await countPasswordChecks(user.id, () => login(user.email, USER_PASSWORD, from));
    expect(right.result.status).toBe(401);
    expect(right.checks).toBe(0);
    const [row] = await t.db.query(`SELECT attempts, locked_until > now() AS locked FROM login_attempts WHERE user_id = $1`, [user.id]);
    expect(row).toEqual({ attempts: 5, locked: true });
  });

  it('answers a locked-out client exactly like an unknown email or a wrong password: 401, same body, after one password hash', async () => {
    const { user } = await t.user('admin');
    const from = freshIp();
    for (let i = 0; i < 4; i++) await login(user.email, `mala-${i}`, from).expect(401);
    const wrong = await login(user.email, 'mala-4', from).expect(401); // the 5th: locks
    const unknown = await countPasswordChecks(user.id, () => login('nadie.existe@pruebas.slp.gob.mx', 'mala-5', from));
    const locked = await countPasswordChecks(user.id, () => login(user.email, USER_PASSWORD, from));
    for (const res of [wrong, unknown.result, locked.result]) {
      expect(answer(res)).toEqual({ status: 401, body: GENERIC, requestId: 'string' });
    }
    expect(Object.keys(locked.result.headers)).toEqual(Object.keys(unknown.result.headers));
    // the locked answer hashes the password once (against a dummy), like the unknown email
    expect({ locked: locked.hashes, unknown: unknown.hashes }).toEqual({ locked: 1, unknown: 1 });
    expect(locked.checks).toBe(0);
  });

  it('locks out only the client that failed: the owner still logs in from another address', async () => {
    const { user } = await t.user('admin');
    const attacker = freshIp();
    for (let i = 0; i < 5; i++) await login(user.email, `mala-${i}`, attacker).expect(401);
    await login(user.email, USER_PASSWORD, attacker).expect(401);
    const owner = freshIp();
    await login(user.email, USER_PASSWORD, owner).expect(200);
    // the owner's success does not lift the attacker's lockout
    await login(user.email, USER_PASSWORD, attacker).expect(401);
    // an IPv6 client counts by its /64: other addresses of the block are locked out too
    const block = '2001:db8:5:6';
    for (let i = 0; i < 5; i++) await login(user.email, `mala-${i}`, `${block}::${i + 1}`).expect(401);
    await login(user.email, USER_PASSWORD, `${block}:ffff::9`).expect(401);
    await login(user.email, USER_PASSWORD, '2001:db8:5:7::1').expect(200);
    // once the lockout is over, the right password works again from that address and clears its count
    await t.db.query(`UPDATE login_attempts SET locked_until = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
    await login(user.email, USER_PASSWORD, attacker).expect(200);
    const left = await t.db.query(`SELECT client FROM login_attempts WHERE user_id = $1 ORDER BY client`, [user.id]);
    expect(left).toEqual([{ client: '2001:db8:5:6::/64' }]);
  });

  it('counts failures in a window: a failure more than 15 minutes after the last starts a new count', async () => {
    const { user } = await t.user('agent');
    const from = freshIp();
    for (let i = 0; i < 4; i++) await login(user.email, `mala-${i}`, from).expect(401);
    await t.db.query(`UPDATE login_attempts SET last_attempt_at = now() - interval '16 minutes' WHERE user_id = $1`, [user.id]);
    for (let i = 0; i < 4; i++) await login(user.email, `otra-${i}`, from).expect(401);
    await login(user.email, USER_PASSWORD, from).expect(200);
  });

  it('an admin who sets a new password lifts the lockouts of the account', async () => {
    const { user } = await t.user('agent');
    const admin = await t.user('admin');
    const from = freshIp();
    for (let i = 0; i < 5; i++) await login(user.email, `mala-${i}`, from).expect(401);
    await t.http().patch(`/api/v1/users/${user.id}`).set(admin.auth).send({ password: 'Nueva-Contraseña-2026' }).expect(200);
    await login(user.email, 'Nueva-Contraseña-2026', from).expect(200);
  });
});

describe('sessions end on password change, role change, deactivation and logout', () => {
  let t: TestApp;
  let adminAuth: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '1000' });
    adminAuth = (await t.user('admin')).auth;
  });
  afterAll(() => t.close());

  /** a user of that role and a token from a real login */
  async function loggedIn(role: 'agent' | 'supervisor' = 'agent') {
    const { user } = await t.user(role);
    const res = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: USER_PASSWORD }).expect(200);
    return { user, auth: { Authorization: `Bearer ${res.body.accessToken as string}` } };
  }
  const me = (auth: Record<string, string>) => t.http().get('/api/v1/auth/me').set(auth);
  const patchUser = (id: string, body: object) => t.http().patch(`/api/v1/users/${id}`).set(adminAuth).send(body).expect(200);

  it('a password change ends the sessions opened before it; the new password opens a new one', async () => {
    const { user, auth } = await loggedIn();
    await me(auth).expect(200);
    await patchUser(user.id, { password: 'Otra-Contraseña-Larga-1' });
    await me(auth).expect(401);
    const again = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: 'Otra-Contraseña-Larga-1' }).expect(200);
    await me({ Authorization: `Bearer ${again.body.accessToken as string}` }).expect(200);
  });

  it('a role change ends the sessions; a change of name does not', async () => {
    const { user, auth } = await loggedIn('supervisor');
    await patchUser(user.id, { name: 'Nombre Nuevo', role: 'supervisor' });
    await me(auth).expect(200);
    await patchUser(user.id, { role: 'agent' });
    await me(auth).expect(401);
  });

  it('deactivation ends the sessions for good: reactivating the account does not revive old tokens', async () => {
    const { user, auth } = await loggedIn();
    await patchUser(user.id, { active: false });
    await me(auth).expect(401);
    await patchUser(user.id, { active: true });
    await me(auth).expect(401);
    await t.http().post('/api/v1/auth/login').send({ email: user.email, password: USER_PASSWORD }).expect(200);
  });

  it('POST /auth/logout answers 204 and ends every session of the user, not those of others', async () => {
    const a = await loggedIn();
    const second = await t.http().post('/api/v1/auth/login').send({ email: a.user.email, password: USER_PASSWORD }).expect(200);
    const other = await loggedIn();
    await t.http().post('/api/v1/auth/logout').expect(401);
    const res = await t.http().post('/api/v1/auth/logout').set(a.auth).expect(204);
    expect(res.text).toBe('');
    await me(a.auth).expect(401);
    await me({ Authorization: `Bearer ${second.body.accessToken as string}` }).expect(401);
    await t.http().post('/api/v1/auth/logout').set(a.auth).expect(401);
    await me(other.auth).expect(200);
    const fresh = await t.http().post('/api/v1/auth/login').send({ email: a.user.email, password: USER_PASSWORD }).expect(200);
    await me({ Authorization: `Bearer ${fresh.body.accessToken as string}` }).expect(200);
  });

  it('refuses a token whose version is not the current one or not a number', async () => {
    const { user } = await loggedIn();
    const { JwtService } = await import('@nestjs/jwt');
    const jwt = t.app.get(JwtService);
    for (const ver of [1, -1, '0', 0.5, null]) {
      const token = await jwt.signAsync({ sub: user.id, role: user.role, ver });
      const res = await me({ Authorization: `Bearer ${token}` });
      expect({ ver, status: res.status }).toEqual({ ver, status: 401 });
    }
    await me({ Authorization: `Bearer ${await jwt.signAsync({ sub: user.id, role: user.role, ver: 0 })}` }).expect(200);
  });
});
