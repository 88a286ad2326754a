import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { UserRole } from '../../src/users/user-role';
import { ALL, ROLE_MATRIX, samplePath } from '../support/role-matrix';
import { startTestApp, TestApp } from '../support/test-app';

// The table (ROLE_MATRIX) lives in test/support/role-matrix.ts: the attack suite iterates the same routes.

describe('role matrix: every endpoint × every role', () => {
  let t: TestApp;
  const tokens = {} as Record<UserRole, Record<string, string>>;
  let documented: string[];

  beforeAll(async () => {
    t = await startTestApp();
    for (const role of ALL) tokens[role] = (await t.user(role)).auth;
    const doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().build());
    documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object)
        .filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
  });
  afterAll(() => t.close());

  it('lists every documented route in the matrix, and nothing that does not exist', () => {
    expect([...documented].sort()).toEqual(Object.keys(ROLE_MATRIX).sort());
  });

  const routes = Object.entries(ROLE_MATRIX);
  it.each(routes)('%s answers each role as the matrix says', async (route, allowed) => {
    const [method, template] = route.split(' ');
    const path = samplePath(template);
    const call = (headers: Record<string, string>) => {
      const req = t.http()[method.toLowerCase() as 'get' | 'post' | 'patch' | 'put'](path).set(headers);
      return method === 'GET' ? req : req.send({});
    };
    if (allowed === 'signed') {
      for (const headers of [{}, ...ALL.map((role) => tokens[role])]) {
        expect([401, 403]).toContain((await call(headers)).status);
      }
      return;
    }
    // let through: neither refused nor a server error (an empty body `{}` must get a 4xx answer, not a 500)
    const passes = (status: number) => status !== 401 && status !== 403 && status < 500;
    if (allowed === 'public') {
      const res = await call({});
      expect({ status: res.status, passes: passes(res.status) }).toEqual({ status: res.status, passes: true });
      return;
    }
    const anonymous = await call({});
    expect(anonymous.status).toBe(401);
    for (const role of ALL) {
      const res = await call(tokens[role]);
      if (allowed.includes(role)) {
        expect({ role, status: res.status, passes: passes(res.status) }).toEqual({ role, status: res.status, passes: true });
      } else {
        expect({ role, status: res.status }).toEqual({ role, status: 403 });
      }
    }
  });
});
