export const USER_ROLES = ['admin', 'supervisor', 'agent', 'press'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Roles that work tickets (read all, change status, reply, notes, capture). */
export const STAFF_ROLES: UserRole[] = ['admin', 'supervisor', 'agent'];
/** Roles that may act as a supervisor (assign to others, merge, reports, reopen closed). */
export const SUPERVISOR_ROLES: UserRole[] = ['admin', 'supervisor'];
export const ALL_ROLES: UserRole[] = [...USER_ROLES];
