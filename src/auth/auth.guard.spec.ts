import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { JwtService } from '@nestjs/jwt';
import type { Repository } from 'typeorm';
import { DomainError } from '../common/domain-error';
import type { User } from '../users/user.entity';
import { AuthGuard } from './auth.guard';
import { Public, Roles } from './roles.decorator';
import { UserSessionCache } from './user-session-cache';

class Endpoints {
  undeclared() {}
  @Roles('admin') adminOnly() {}
  @Public() open() {}
}

function contextFor(handler: keyof Endpoints, headers: Record<string, string> = {}): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => Endpoints.prototype[handler],
    getClass: () => Endpoints,
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
  } as unknown as ExecutionContext;
}

describe('AuthGuard fails closed', () => {
  const jwt = { verifyAsync: jest.fn() } as unknown as JwtService;
  const users = { findOne: jest.fn() } as unknown as Repository<User>;
  const guard = new AuthGuard(new Reflector(), jwt, users, new UserSessionCache());

  it('refuses an endpoint that declares no roles, even with a valid token', async () => {
    await expect(guard.canActivate(contextFor('undeclared', { authorization: 'Bearer a.b.c' }))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(jwt.verifyAsync).not.toHaveBeenCalled();
  });

  it('lets @Public() through without a token', async () => {
    await expect(guard.canActivate(contextFor('open'))).resolves.toBe(true);
  });

  it('wants a bearer token on @Roles endpoints', async () => {
    await expect(guard.canActivate(contextFor('adminOnly'))).rejects.toBeInstanceOf(DomainError);
    await expect(guard.canActivate(contextFor('adminOnly', { authorization: 'Basic YWRtaW46YWRtaW4=' }))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
