import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '../users/user-role';

export const ROLES_KEY = 'enlace:roles';
export const PUBLIC_KEY = 'enlace:public';

/** Which roles may call this endpoint. Every endpoint declares either @Roles(...) or @Public(). */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES_KEY, roles);
/** Reachable without a token (login, health, citizen status page, signed webhooks). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
