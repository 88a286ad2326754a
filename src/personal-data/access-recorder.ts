import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { PersonalDataRef } from './record-personal-data-access';

/** Where the access-trail interceptor leaves the request's recorder. */
export const ACCESS_RECORDER = Symbol('enlace:access-recorder');

const refKey = (r: PersonalDataRef) => `${r.citizenId}|${r.folio ?? ''}`;

/**
 * The access trail of one request. A handler may record early, e.g. side by side with its own
 * reads so the insert costs no round trip of its own; after the handler the interceptor calls
 * `complete` with what the response actually shows, which writes whatever was not recorded yet
 * and waits for every write — so the trail is complete before the response leaves, early or not.
 */
export class AccessRecorder {
  private readonly recorded = new Set<string>();
  private readonly writes: Array<Promise<void>> = [];

  constructor(private readonly write: (refs: PersonalDataRef[]) => Promise<void>) {}

  record(refs: PersonalDataRef[]): Promise<void> {
    const fresh = refs.filter((r) => !this.recorded.has(refKey(r)));
    for (const r of fresh) this.recorded.add(refKey(r));
    if (!fresh.length) return Promise.resolve();
    const done = this.write(fresh);
    this.writes.push(done);
    return done;
  }

  async complete(refs: PersonalDataRef[]): Promise<void> {
    await Promise.all(this.writes);
    await this.record(refs);
  }
}

/** The request's AccessRecorder (undefined on a route without @RecordPersonalDataAccess). */
export const AccessTrail = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AccessRecorder | undefined => ctx.switchToHttp().getRequest<{ [ACCESS_RECORDER]?: AccessRecorder }>()[ACCESS_RECORDER],
);
