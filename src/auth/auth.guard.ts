import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { User } from '../users/user.entity';
import type { UserRole } from '../users/user-role';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import { UserSessionCache } from './user-session-cache';

export interface TokenPayload {
  sub: string;
  role: UserRole;
  /** users.token_version when the token was issued; absent in tokens from before it existed (= 0) */
  ver?: number;
}

/**
 * Global guard. Fails closed: an endpoint without @Public() or @Roles(...) is refused.
 * The token is checked (HS256 only, expiry) and the user reloaded so a deactivated
 * account or a changed role takes effect at once, and a token whose version is no longer the
 * user's (password or role changed, deactivated, logged out) is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);
  /** @Public()/@Roles() of each route, read once: route metadata does not change at run time */
  private readonly routes = new WeakMap<object, { controller: object; isPublic: boolean; roles: UserRole[] | undefined }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly cache: UserSessionCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { isPublic, roles } = this.route(context);
    if (isPublic) return true;
    if (!roles || roles.length === 0) {
      this.logger.error(`endpoint ${context.getClass().name}.${context.getHandler().name} declares no roles`);
      throw new DomainError('FORBIDDEN', 'This endpoint is not available');
    }
    const req = context.switchToHttp().getRequest();
    const header: unknown = req.headers?.authorization;
    const token = typeof header === 'string' && /^Bearer [\w-]+\.[\w-]+\.[\w-]*$/.test(header) ? header.slice(7) : null;
    if (!token) throw new DomainError('UNAUTHORIZED', 'A bearer token is required');
    let payload: TokenPayload;
    try {
      payload = await this.jwt.verifyAsync<TokenPayload>(token, { algorithms: ['HS256'] });
    } catch {
      throw new DomainError('UNAUTHORIZED', 'Invalid or expired token');
    }
    if (typeof payload.sub !== 'string' || !/^[0-9a-f-]{36}$/i.test(payload.sub)) {
      throw new DomainError('UNAUTHORIZED', 'Invalid or expired token');
    }
    const version: unknown = payload.ver === undefined ? 0 : payload.ver;
    if (typeof version !== 'number' || !Number.isSafeInteger(version)) throw new DomainError('UNAUTHORIZED', 'Invalid or expired token');
    let user = this.cache.get(payload.sub) ?? null;
    if (!user) {
      const found = await this.users.findOne({ where: { id: payload.sub }, select: { id: true, role: true, name: true, active: true, tokenVersion: true } });
      if (found) {
        user = { id: found.id, role: found.role, name: found.name, active: found.active, tokenVersion: found.tokenVersion };
        this.cache.set(user);
      }
    }
    if (!user || !user.active || user.tokenVersion !== version) throw new DomainError('UNAUTHORIZED', 'Invalid or expired token');
    req.user = { id: user.id, role: user.role, name: user.name };
    if (!roles.includes(user.role)) {
      throw new DomainError('FORBIDDEN', `Role ${user.role} may not call this endpoint`);
    }
    return true;
  }

  private route(context: ExecutionContext) {
    const handler = context.getHandler();
    const controller = context.getClass();
    let route = this.routes.get(handler);
    if (!route || route.controller !== controller) {
      const targets = [handler, controller];
      route = {
        controller,
        isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)),
        roles: this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets),
      };
      this.routes.set(handler, route);
    }
    return route;
  }
}
