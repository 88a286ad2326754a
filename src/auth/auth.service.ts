import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { User } from '../users/user.entity';
import { dummyPasswordHash, verifyPassword } from './password-hasher';
import type { TokenPayload } from './auth.guard';

const MAX_FAILED_LOGINS = 5;
const LOCKOUT_MINUTES = 15;

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  async login(email: string, password: string) {
    const user = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: email.trim().toLowerCase() })
      .getOne();
    const invalid = new DomainError('UNAUTHORIZED', 'Correo o contraseña incorrectos');
    if (!user) {
      await verifyPassword(password, await dummyPasswordHash());
      throw invalid;
    }
    if (user.lockedUntil && user.lockedUntil > new Date()) {
      this.logger.warn({ userId: user.id }, 'login refused: account locked');
      throw new DomainError('TOO_MANY_REQUESTS', 'Cuenta bloqueada temporalmente por intentos fallidos');
    }
    const ok = await verifyPassword(password, user.passwordHash);
    if (!ok || !user.active) {
      // One atomic statement: parallel guesses cannot all read the same counter and dodge the lockout.
      const rows: Array<{ locked: boolean }> = await this.users.query(
        `UPDATE users SET
           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END,
           failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END
         WHERE id = $1
         RETURNING (locked_until IS NOT NULL AND locked_until > now()) AS locked`,
        [user.id, MAX_FAILED_LOGINS, LOCKOUT_MINUTES],
      );
      const locked = rows[0]?.locked === true;
      this.logger.warn({ userId: user.id, locked }, 'login failed');
      throw invalid;
    }
    await this.users.update(user.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() });
    const payload: TokenPayload = { sub: user.id, role: user.role };
    const accessToken = await this.jwt.signAsync(payload);
    this.logger.log({ userId: user.id }, 'login');
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.jwtExpiresIn,
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
    };
  }
}
