import type { UserRole } from '../../src/users/user-role';

export const ALL: UserRole[] = ['admin', 'supervisor', 'agent', 'press'];
export const STAFF: UserRole[] = ['admin', 'supervisor', 'agent'];
export const SUP: UserRole[] = ['admin', 'supervisor'];
export const ADMIN: UserRole[] = ['admin'];
/** 'signed': public, but authenticated by a platform signature/secret; no staff token opens it */
export type Allowed = UserRole[] | 'public' | 'signed';

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
  'POST /api/v1/tickets/{folio}/attachments': STAFF,
  'POST /api/v1/tickets/{folio}/assign': STAFF,
  'POST /api/v1/tickets/{folio}/merge': SUP,
  'GET /api/v1/tickets/{folio}/duplicates': STAFF,
  'GET /api/v1/tickets/{folio}/attachments/{id}': ALL,
  'GET /api/v1/intake/failures': ADMIN,
  'POST /api/v1/intake/failures/{id}/retry': ADMIN,
  'GET /api/v1/intake/log': ADMIN,
  'GET /api/v1/intake/social-events/problems': ADMIN,
  'POST /api/v1/intake/social-events/{id}/retry': ADMIN,
  'POST /api/v1/tickets/{folio}/replies': STAFF,
  'GET /api/v1/public/tickets/{folio}': 'public',
  'GET /api/v1/routing-rules': SUP,
  'POST /api/v1/routing-rules': ADMIN,
  'PATCH /api/v1/routing-rules/{id}': ADMIN,
  'POST /api/v1/routing-rules/try': SUP,
  'GET /api/v1/reports/monthly': ['admin', 'supervisor', 'press'],
  'GET /api/v1/citizens/{id}/export': SUP,
  'POST /api/v1/citizens/{id}/anonymise': SUP,
  'GET /api/v1/personal-data/access-log': ADMIN,
  'GET /api/v1/personal-data/retention': ADMIN,
  'POST /api/v1/personal-data/retention/run': ADMIN,
  'GET /api/v1/privacy-notice': 'public',
  'PUT /api/v1/privacy-notice/{kind}': ADMIN,
  'GET /aviso-de-privacidad': 'public',
  'GET /api/v1/webhooks/meta': 'signed',
  'POST /api/v1/webhooks/meta': 'signed',
  'POST /api/v1/webhooks/telegram': 'signed',
  'POST /api/v1/intake/forwarded': ['admin', 'press'],
  'GET /api/v1/intake/forwarded/mine': ['admin', 'press'],
  'GET /api/v1/intake/manual-replies': ALL,
  'POST /api/v1/intake/manual-replies/{id}/done': ALL,
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  // keep last: it ends the sessions of the token that calls it (the matrix test's tokens)
  'POST /api/v1/auth/logout': ALL,
};

export const SAMPLE: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  folio: 'SLP-2000-000001',
  kind: 'simplificado',
};

/** A concrete path for a matrix route, with sample ids filled in. */
export function samplePath(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? 'x');
}
