import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { createApp, CreateAppOptions, RunningApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import { User } from '../../src/users/user.entity';
import type { UserRole } from '../../src/users/user-role';
import { createTestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const TEST_ADMIN = { email: 'admin@pruebas.slp.gob.mx', password: 'Admin-Pruebas-2026' };
// a valid scrypt hash of "Contraseña-Segura-1" computed once, so factories don't pay the KDF cost
let cachedHash: Promise<string> | undefined;

export interface TestApp {
  running: RunningApp;
  app: INestApplication;
  db: DataSource;
  http: () => ReturnType<typeof request>;
  /** create a user of that role and return it with a bearer token */
  user(role: UserRole, overrides?: Partial<User>): Promise<{ user: User; token: string; auth: Record<string, string> }>;
  close(): Promise<void>;
}

export const USER_PASSWORD = 'Contraseña-Segura-1';

export async function startTestApp(env: Record<string, string> = {}, options: CreateAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadAppConfig({
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    PUBLIC_BASE_URL: 'https://enlace.test',
    LOGIN_RATE_LIMIT: '1000',
    ...env,
  });
  let running: RunningApp;
  try {
    running = await createApp(config, options);
  } catch (err) {
    await database.drop().catch(() => undefined);
    throw err;
  }
  const app = running.app;
  const db = app.get(DataSource);
  const jwt = app.get(JwtService);
  let n = 0;
  return {
    running,
    app,
    db,
    http: () => request(app.getHttpServer()),
    async user(role, overrides = {}) {
      const { hashPassword } = await import('../../src/auth/password-hasher');
      cachedHash ??= hashPassword(USER_PASSWORD);
      n += 1;
      const user = await db.getRepository(User).save(
        db.getRepository(User).create({
          email: `${role}${n}.${Date.now()}@pruebas.slp.gob.mx`,
          name: `${role} ${n}`,
          role,
          passwordHash: await cachedHash,
          ...overrides,
        }),
      );
      const token = await jwt.signAsync({ sub: user.id, role: user.role });
      return { user, token, auth: { Authorization: `Bearer ${token}` } };
    },
    async close() {
      await running.close();
      await database.drop();
    },
  };
}
