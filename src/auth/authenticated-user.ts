import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { UserRole } from '../users/user-role';

export interface AuthenticatedUser {
  id: string;
  role: UserRole;
  name: string;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthenticatedUser => ctx.switchToHttp().getRequest().user,
);
