import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAppConfig } from '../../src/config/app-config';

/**
 * docker-compose.yml as deployed (Docker is not available to the tests: the file is read and
 * interpolated the way compose does for ${VAR}, ${VAR:-default} and ${VAR:?error}).
 */
// js-yaml comes with @nestjs/swagger (no types of its own here)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

const root = join(__dirname, '..', '..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const envExample = readFileSync(join(root, '.env.example'), 'utf8');

interface Service {
  command?: string | string[];
  init?: boolean;
  restart?: string;
  env_file?: string | string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  ports?: string[];
}
type Compose = { services: Record<string, Service> };

/** compose's interpolation: throws on a missing ${VAR:?…} as `docker compose up` refuses to start. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) => {
    const value = env[name];
    if (value) return value;
    if (op === '-') return arg ?? '';
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return '';
  });
}

const filledEnv = {
  JWT_SECRET: 'k7Q2v9Lr3TxW8bN4mZ6pY1sD5fH0jG2aXc9Ve4Ru',
  ADMIN_PASSWORD: 'Admin-Pruebas-2026',
  POSTGRES_PASSWORD: '3f9c1a7be25d48',
  PUBLIC_BASE_URL: 'https://enlace.sanluis.gob.mx',
};
const compose = () => yaml.load(interpolate(composeText, filledEnv)) as Compose;

describe('docker-compose.yml', () => {
  it('lets SIGTERM reach node: an init as PID 1 and node exec-ed, built beforehand, with time to shut down', () => {
    const app = compose().services.app;
    const command = Array.isArray(app.command) ? app.command.join(' ') : (app.command ?? '');
    expect(app.init).toBe(true);
    expect(command).toMatch(/exec node (--[\w-]+=\S+ )*dist\/src\/main\.js"?$/);
    expect(command).not.toMatch(/npm (run )?start/);
    // src/main.ts gives its shutdown 60 s; compose's default 10 s would SIGKILL it
    expect(parseInt(app.stop_grace_period ?? '10', 10)).toBeGreaterThan(60);
  });

  it('passes .env to the service, restarts it, and checks /health/ready', () => {
    const { app, db } = compose().services;
    expect([app.env_file].flat()).toContain('.env');
    expect(app.restart).toBe('unless-stopped');
    expect(db.restart).toBe('unless-stopped');
    expect(app.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:3000/health/ready');
  });

  it('takes the secrets, the database password and PUBLIC_BASE_URL from .env, refusing to start without them', () => {
    for (const name of Object.keys(filledEnv))
      expect(() => interpolate(composeText, { ...filledEnv, [name]: '' })).toThrow(new RegExp(`^${name}: set ${name} in \\.env`));
    const { app, db } = compose().services;
    expect(composeText).not.toContain('enlace-cambiar');
    expect(composeText).not.toMatch(/PUBLIC_BASE_URL: *http/);
    expect(db.environment?.POSTGRES_PASSWORD).toBe(filledEnv.POSTGRES_PASSWORD);
    expect(app.environment).toMatchObject({
      DATABASE_URL: `postgres://enlace:${filledEnv.POSTGRES_PASSWORD}@db:5432/enlace`,
      PUBLIC_BASE_URL: filledEnv.PUBLIC_BASE_URL,
      JWT_SECRET: filledEnv.JWT_SECRET,
      ADMIN_PASSWORD: filledEnv.ADMIN_PASSWORD,
    });
  });

  it('builds an environment the service accepts', () => {
    const env = compose().services.app.environment ?? {};
    const config = loadAppConfig({ ...env, TRUST_PROXY: 'uniquelocal' });
    expect(config).toMatchObject({ port: 3000, publicBaseUrl: filledEnv.PUBLIC_BASE_URL, trustProxy: ['uniquelocal'] });
  });

  it('documents every variable it reads in .env.example, and TRUST_PROXY for a reverse proxy on the host', () => {
    const documented = new Set([...envExample.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const referenced = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
    expect([...referenced].filter((name) => !documented.has(name))).toEqual([]);
    for (const name of Object.keys(filledEnv)) expect(envExample).toMatch(new RegExp(`^${name}=$`, 'm'));
    expect(envExample).toMatch(/^#TRUST_PROXY=/m);
    expect(envExample).toMatch(/reverse proxy/i);
  });
});
