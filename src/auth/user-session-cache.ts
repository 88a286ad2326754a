import { Injectable } from '@nestjs/common';
import type { UserRole } from '../users/user-role';

interface Entry {
  user: { id: string; role: UserRole; name: string; active: boolean; tokenVersion: number };
  expires: number;
}

/**
 * The guard reloads the user behind a token so a deactivated account, a changed role or ended
 * sessions (token_version) take effect; this keeps that answer for a few seconds so a busy agent's
 * every click does not cost an extra database round trip. Changes made through this instance
 * evict at once; another instance sees them within TTL_MS.
 */
@Injectable()
export class UserSessionCache {
  static readonly TTL_MS = 5_000;
  private readonly entries = new Map<string, Entry>();

  get(id: string, now = Date.now()): Entry['user'] | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return e.user;
  }

  set(user: Entry['user'], now = Date.now()): void {
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(user.id, { user, expires: now + UserSessionCache.TTL_MS });
  }

  evict(id: string): void {
    this.entries.delete(id);
  }
}
