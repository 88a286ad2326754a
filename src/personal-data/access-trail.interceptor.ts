import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { AccessTrailService } from './access-trail.service';
import type { AccessRecordSpec } from './record-personal-data-access';

/** Metadata key of @RecordPersonalDataAccess (here, so that decorator can import this class without a cycle). */
export const ACCESS_RECORD_KEY = 'enlace:personal-data-access';

/** Writes the access trail for routes marked with @RecordPersonalDataAccess, before responding. */
@Injectable()
export class AccessTrailInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly trail: AccessTrailService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AccessRecordSpec | undefined>(ACCESS_RECORD_KEY, context.getHandler());
    if (!spec || context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<{ user?: AuthenticatedUser; id?: string | number }>();
    return next.handle().pipe(
      mergeMap((result) => {
        if (!req.user) return from([result]);
        const requestId = req.id !== undefined ? String(req.id) : null;
        return from(this.trail.record(req.user.id, spec.action, spec.citizens(result), requestId).then(() => result));
      }),
    );
  }
}
