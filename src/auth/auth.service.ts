import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { User } from '../users/user.entity';
import type { UserRole } from '../users/user-role';
import { dummyPasswordHash, verifyPassword } from './password-hasher';
import type { TokenPayload } from './auth.guard';
import { loginClientKey } from './login-client-key';
import { UserSessionCache } from './user-session-cache';

/** failed logins an account accepts from one client before that client is locked out of it */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;

interface LoginRow {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  active: boolean;
  password_hash: string;
  token_version: number;
  /** the attempt this request reserved (1…MAX_FAILED_LOGINS); null: this client is locked out of the account */
  attempt: number | null;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly sessions: UserSessionCache,
  ) {}

  /**
   * Unknown email, wrong password, inactive account and a client locked out of the account all get
   * the same 401 after one password hash, so the answer tells nothing about which accounts exist or
   * are locked. Each attempt is reserved in `login_attempts` (per account and client) *before* the
   * password is checked, in the statement that loads the user: parallel guesses cannot all pass the
   * lock check, at most MAX_FAILED_LOGINS passwords are checked per client and lockout.
   */
  async login(email: string, password: string, clientAddress?: string) {
    const client = loginClientKey(clientAddress);
    const rows: LoginRow[] = await this.users.query(
      `WITH u AS (
         SELECT id, email, name, role, active, password_hash, token_version FROM users WHERE email = $1
       ), attempt AS (
         INSERT INTO login_attempts AS a (user_id, client, attempts, locked_until, last_attempt_at)
         SELECT u.id, $2, 1, CASE WHEN $3 <= 1 THEN now() + make_interval(mins => $4) END, now() FROM u
         ON CONFLICT (user_id, client) DO UPDATE SET
           attempts = CASE WHEN a.locked_until IS NOT NULL OR a.last_attempt_at <= now() - make_interval(mins => $4)
                           THEN 1 ELSE a.attempts + 1 END,
           locked_until = CASE WHEN (CASE WHEN a.locked_until IS NOT NULL OR a.last_attempt_at <= now() - make_interval(mins => $4)
                                          THEN 1 ELSE a.attempts + 1 END) >= $3
                               THEN now() + make_interval(mins => $4) END,
           last_attempt_at = now()
         WHERE a.locked_until IS NULL OR a.locked_until <= now()
         RETURNING a.user_id, a.attempts
       )
       SELECT u.*, attempt.attempts AS attempt FROM u LEFT JOIN attempt ON attempt.user_id = u.id`,
      [email.trim().toLowerCase(), client, MAX_FAILED_LOGINS, LOCKOUT_MINUTES],
    );
    const user = rows[0];
    const invalid = new DomainError('UNAUTHORIZED', 'Correo o contraseña incorrectos');
    if (!user || user.attempt === null) {
      // the same scrypt work as a real check: a locked or unknown account answers no faster
      await verifyPassword(password, await dummyPasswordHash());
      if (user) this.logger.warn({ userId: user.id }, 'login refused: too many failures from this client');
      throw invalid;
    }
    const ok = await verifyPassword(password, user.password_hash);
    if (!ok || !user.active) {
      // the attempt was counted when it was reserved
      this.logger.warn({ userId: user.id, attempt: user.attempt, locked: user.attempt >= MAX_FAILED_LOGINS }, 'login failed');
      throw invalid;
    }
    // success clears this client's count (and forgets other clients' counts that went stale a day ago)
    await this.users.query(
      `WITH cleared AS (
         DELETE FROM login_attempts
          WHERE user_id = $1 AND (client = $2 OR (last_attempt_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())))
       )
       UPDATE users SET last_login_at = now() WHERE id = $1`,
      [user.id, client],
    );
    const payload: TokenPayload = { sub: user.id, role: user.role, ver: user.token_version };
    const accessToken = await this.jwt.signAsync(payload);
    this.logger.log({ userId: user.id }, 'login');
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.jwtExpiresIn,
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
    };
  }

  /** Ends every session of the user: tokens issued before carry the old version and are refused. */
  async logout(userId: string): Promise<void> {
    await this.users.query(`UPDATE users SET token_version = token_version + 1 WHERE id = $1`, [userId]);
    this.sessions.evict(userId);
    this.logger.log({ userId }, 'logout: sessions ended');
  }
}
