import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ACCESS_RECORDER, AccessRecorder } from './access-recorder';
import { AccessTrailService } from './access-trail.service';
import type { AccessRecordSpec } from './record-personal-data-access';

export const ACCESS_RECORD_KEY = 'enlace:personal-data-access';

/**
 * Writes the access trail for routes marked with @RecordPersonalDataAccess, before responding.
 * The decorator binds it to exactly those routes (not globally: every other request is spared
 * the interceptor chain).
 * The handler may record early through @AccessTrail() (see AccessRecorder); whatever the response
 * shows and was not recorded yet is written here.
 */
@Injectable()
export class AccessTrailInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly trail: AccessTrailService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AccessRecordSpec | undefined>(ACCESS_RECORD_KEY, context.getHandler());
    if (!spec || context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<{ user?: AuthenticatedUser; id?: string | number; [ACCESS_RECORDER]?: AccessRecorder }>();
    const user = req.user;
    if (!user) return next.handle();
    const requestId = req.id !== undefined ? String(req.id) : null;
    const recorder = new AccessRecorder((refs) => this.trail.record(user.id, spec.action, refs, requestId));
    req[ACCESS_RECORDER] = recorder;
    return next.handle().pipe(mergeMap((result) => from(recorder.complete(spec.citizens(result)).then(() => result))));
  }
}
