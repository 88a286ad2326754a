import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { UserRole } from '../../src/users/user-role';
import { startTestApp, TestApp } from '../support/test-app';

const ALL: UserRole[] = ['admin', 'supervisor', 'agent', 'press'];
const STAFF: UserRole[] = ['admin', 'supervisor', 'agent'];
const SUP: UserRole[] = ['admin', 'supervisor'];
const ADMIN: UserRole[] = ['admin'];
/** 'signed': public, but authenticated by a platform signature/secret; no staff token opens it */
type Allowed = UserRole[] | 'public' | 'signed';

/**
 * Every route of the API and who may call it (SPEC §1). A route missing from this table fails
 * the test: add it here when you add an endpoint.
 */
export const ROLE_MATRIX: Record<string, Allowed> = {
  'POST /api/v1/auth/login': 'public',
  'GET /api/v1/auth/me': ALL,
  'GET /api/v1/users': SUP,
  'POST /api/v1/users': ADMIN,
  'GET /api/v1/users/{id}': SUP,
  'PATCH /api/v1/users/{id}': ADMIN,
  'GET /api/v1/areas': ALL,
  'POST /api/v1/areas': ADMIN,
  'GET /api/v1/areas/{id}': ALL,
  'PATCH /api/v1/areas/{id}': ADMIN,
  'GET /api/v1/categories': ALL,
  'POST /api/v1/categories': ADMIN,
  'GET /api/v1/categories/{id}': ALL,
  'PATCH /api/v1/categories/{id}': SUP,
  'GET /api/v1/citizens': STAFF,
  'GET /api/v1/citizens/{id}': STAFF,
  'PATCH /api/v1/citizens/{id}': STAFF,
  'POST /api/v1/citizens/{id}/merge': STAFF,
  'GET /api/v1/tickets': ALL,
  'POST /api/v1/tickets': STAFF,
  'GET /api/v1/tickets/{folio}': ALL,
  'PATCH /api/v1/tickets/{folio}': STAFF,
  'POST /api/v1/tickets/{folio}/transitions': STAFF,
  'POST /api/v1/tickets/{folio}/notes': STAFF,
  'POST /api/v1/tickets/{folio}/assign': STAFF,
  'POST /api/v1/tickets/{folio}/merge': SUP,
  'GET /api/v1/webhooks/meta': 'signed',
  'POST /api/v1/webhooks/meta': 'signed',
  'POST /api/v1/webhooks/telegram': 'signed',
  'POST /api/v1/intake/forwarded': ['admin', 'press'],
  'GET /api/v1/intake/forwarded/mine': ['admin', 'press'],
  'GET /api/v1/intake/manual-replies': ALL,
  'POST /api/v1/intake/manual-replies/{id}/done': ALL,
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
};

const SAMPLE: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  folio: 'SLP-2000-000001',
};

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
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? 'x');
    const call = (headers: Record<string, string>) => {
      const req = t.http()[method.toLowerCase() as 'get' | 'post' | 'patch'](path).set(headers);
      return method === 'GET' ? req : req.send({});
    };
    if (allowed === 'signed') {
      for (const headers of [{}, ...ALL.map((role) => tokens[role])]) {
        expect([401, 403]).toContain((await call(headers)).status);
      }
      return;
    }
    if (allowed === 'public') {
      const res = await call({});
      expect([401, 403]).not.toContain(res.status);
      return;
    }
    const anonymous = await call({});
    expect(anonymous.status).toBe(401);
    for (const role of ALL) {
      const res = await call(tokens[role]);
      if (allowed.includes(role)) {
        const denied = res.status === 401 || res.status === 403;
        expect({ role, denied }).toEqual({ role, denied: false });
      } else {
        expect({ role, status: res.status }).toEqual({ role, status: 403 });
      }
    }
  });
});
