import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { QueryFailedError, Repository, type QueryDeepPartialEntity } from 'typeorm';
import { hashPassword } from '../auth/password-hasher';
import { UserSessionCache } from '../auth/user-session-cache';
import { DomainError, notFound } from '../common/domain-error';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { User } from './user.entity';

/** PostgreSQL unique_violation: on users that is the email (its only unique column), taken by a concurrent request */
const isUniqueViolation = (err: unknown): boolean =>
  err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === '23505';
const emailTaken = () => new DomainError('CONFLICT', 'A user with this email already exists', [{ field: 'email', errors: ['already in use'] }]);

/** advisory lock (hashed, as the other transaction locks) of the first-admin bootstrap */
const FIRST_ADMIN_LOCK_KEY = 'first-admin-bootstrap';

const PUBLIC_FIELDS = { id: true, email: true, name: true, role: true, active: true, areaId: true, lastLoginAt: true, createdAt: true, updatedAt: true } as const;

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: UserSessionCache,
  ) {}

  /** An area that does not exist is the request's mistake (400), not a foreign-key failure (500). */
  private async checkArea(areaId: string | null | undefined): Promise<void> {
    if (!areaId) return;
    const [found] = await this.users.manager.query(`SELECT 1 FROM areas WHERE id = $1`, [areaId]);
    if (!found) throw new DomainError('VALIDATION', 'Unknown area', [{ field: 'areaId', errors: ['unknown area'] }]);
  }

  list() {
    return this.users.find({ select: PUBLIC_FIELDS, order: { name: 'ASC' } });
  }

  async get(id: string) {
    const user = await this.users.findOne({ where: { id }, select: PUBLIC_FIELDS });
    if (!user) throw notFound('User');
    return user;
  }

  async create(dto: CreateUserDto) {
    const email = dto.email.trim().toLowerCase();
    if (await this.users.exists({ where: { email } })) {
      throw emailTaken();
    }
    await this.checkArea(dto.areaId);
    const passwordHash = await hashPassword(dto.password);
    // the check above does not see a concurrent create of the same email: the unique key does
    const saved = await this.users
      .save(this.users.create({ email, name: dto.name.trim(), role: dto.role, areaId: dto.areaId ?? null, passwordHash }))
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? emailTaken() : err;
      });
    this.logger.log({ userId: saved.id, role: saved.role }, 'user created');
    return this.get(saved.id);
  }

  async update(id: string, dto: UpdateUserDto) {
    // hashed before the transaction: the KDF is slow and the locks below should be short
    const passwordHash = dto.password !== undefined ? await hashPassword(dto.password) : undefined;
    if (dto.areaId !== undefined) await this.checkArea(dto.areaId);
    const endSessions = await this.users.manager.transaction(async (em) => {
      const users = em.getRepository(User);
      if (dto.role !== undefined || dto.active !== undefined) {
        // the active admins, locked: two admins demoting or deactivating each other at the same time
        // are serialised here, and the second sees the first's change
        const admins: { id: string }[] = await em.query(`SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE`);
        const wasActiveAdmin = admins.some((a) => a.id === id);
        const staysActiveAdmin = wasActiveAdmin && (dto.role ?? 'admin') === 'admin' && dto.active !== false;
        if (wasActiveAdmin && !staysActiveAdmin && admins.length <= 1) {
          throw new DomainError('CONFLICT', 'This is the last active administrator: make another user an active admin before demoting or deactivating this one', [
            { field: dto.active === false ? 'active' : 'role', errors: ['would leave no active administrator'] },
          ]);
        }
      }
      // locked: two admins editing one user at once are serialised, and each writes only what it changes
      const user = await users.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw notFound('User');
      if (dto.email !== undefined) {
        const email = dto.email.trim().toLowerCase();
        const other = await users.findOne({ where: { email } });
        if (other && other.id !== id) throw emailTaken();
        user.email = email;
      }
      if (dto.name !== undefined) user.name = dto.name.trim();
      // a new password, a new role or deactivation ends the user's sessions: the tokens issued so
      // far carry the old token_version and the guard refuses them
      const ending =
        dto.password !== undefined || (dto.role !== undefined && dto.role !== user.role) || (dto.active === false && user.active);
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.areaId !== undefined) user.areaId = dto.areaId;
      if (dto.active !== undefined) user.active = dto.active;
      const patch: QueryDeepPartialEntity<User> = {
        ...(dto.email !== undefined ? { email: user.email } : {}),
        ...(dto.name !== undefined ? { name: user.name } : {}),
        ...(dto.role !== undefined ? { role: user.role } : {}),
        ...(dto.areaId !== undefined ? { areaId: user.areaId } : {}),
        ...(dto.active !== undefined ? { active: user.active } : {}),
      };
      if (passwordHash !== undefined) patch.passwordHash = passwordHash;
      if (ending) patch.tokenVersion = () => 'token_version + 1';
      await users.update(id, patch).catch((err: unknown) => {
        throw isUniqueViolation(err) ? emailTaken() : err;
      });
      // a password set by an admin also lifts the login lockouts of the account
      if (dto.password !== undefined) await em.query(`DELETE FROM login_attempts WHERE user_id = $1`, [id]);
      return ending;
    });
    this.sessions.evict(id);
    this.logger.log({ userId: id, sessionsEnded: endSessions }, 'user updated');
    return this.get(id);
  }

  /**
   * Every start: make sure an active admin exists. Uses ADMIN_EMAIL/ADMIN_PASSWORD when given, otherwise
   * generates a password and prints it once to the console (not to the structured log). When that
   * account exists but was deactivated or demoted, it is reactivated as admin with that password.
   *
   * Several instances starting at once on one database take turns on an advisory lock and count
   * again once they hold it: only the one that really creates or reactivates the admin prints (a
   * count read without the lock let each print its own generated password, of which only the last
   * written worked, and each log "reactivated").
   */
  async ensureFirstAdmin(email?: string, password?: string): Promise<void> {
    // only an active admin can administer: a deactivated or demoted one does not count
    const activeAdmins = (users: Repository<User>) => users.count({ where: { role: 'admin', active: true } });
    if ((await activeAdmins(this.users)) > 0) return; // every start but the first: no lock, no KDF
    const adminEmail = (email ?? 'admin@enlace.local').trim().toLowerCase();
    const generated = !password;
    const adminPassword = password ?? randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(adminPassword); // before the lock: the KDF is slow
    const done = await this.users.manager.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [FIRST_ADMIN_LOCK_KEY]);
      const users = em.getRepository(User);
      if ((await activeAdmins(users)) > 0) return null; // another instance got here first
      const existing = await users.findOne({ where: { email: adminEmail }, lock: { mode: 'pessimistic_write' } });
      if (existing) {
        // the configured admin account exists but was deactivated or demoted: reactivate and promote it
        // (with the configured or a new generated password) instead of failing on the unique email
        await users.update(existing.id, { role: 'admin', active: true, passwordHash, tokenVersion: () => 'token_version + 1' });
        await em.query(`DELETE FROM login_attempts WHERE user_id = $1`, [existing.id]);
        return { reactivatedId: existing.id };
      }
      await users.save(users.create({ email: adminEmail, name: 'Administrador', role: 'admin', passwordHash }));
      return { reactivatedId: null };
    });
    if (!done) return;
    if (done.reactivatedId) this.sessions.evict(done.reactivatedId);
    if (generated) {
      process.stdout.write(
        `\n  ${done.reactivatedId ? 'Administrator reactivated' : 'First administrator created'}: ${adminEmail}\n  Generated password (shown only once): ${adminPassword}\n\n`,
      );
    }
    this.logger.log(done.reactivatedId ? 'no active administrator: the configured administrator account was reactivated' : 'first administrator created');
  }
}
