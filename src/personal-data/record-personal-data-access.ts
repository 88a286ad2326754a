import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ACCESS_RECORD_KEY, AccessTrailInterceptor } from './access-trail.interceptor';
import type { PersonalDataAccessAction } from './personal-data-access.entity';

export interface PersonalDataRef {
  citizenId: string;
  folio?: string | null;
}

export interface AccessRecordSpec {
  action: PersonalDataAccessAction;
  /** which citizens the response shows (called with the handler's result) */
  citizens: (result: unknown) => PersonalDataRef[];
}

export { ACCESS_RECORD_KEY };

/**
 * Marks a route whose response shows citizens' personal data: the access trail records the
 * user, the citizens, the action and the time before the response leaves. The interceptor is
 * bound to these routes only (not global), so other routes — the webhooks — don't pay for it.
 */
export const RecordPersonalDataAccess = (action: PersonalDataAccessAction, citizens: AccessRecordSpec['citizens']) =>
  applyDecorators(SetMetadata(ACCESS_RECORD_KEY, { action, citizens } satisfies AccessRecordSpec), UseInterceptors(AccessTrailInterceptor));

type WithCitizen = { folio?: string; citizen?: { id?: string } | null } | null | undefined;

/** Ticket detail: its citizen. */
export const citizenOfTicket = (result: unknown): PersonalDataRef[] => {
  const r = result as WithCitizen;
  return r?.citizen?.id ? [{ citizenId: r.citizen.id, folio: r.folio ?? null }] : [];
};

/** A citizen (detail, update, export). */
export const theCitizen = (result: unknown): PersonalDataRef[] => {
  const r = result as { id?: string; citizenId?: string } | null | undefined;
  const id = r?.citizenId ?? r?.id;
  return typeof id === 'string' ? [{ citizenId: id }] : [];
};

/** A list of citizens. */
export const eachCitizen = (result: unknown): PersonalDataRef[] =>
  Array.isArray(result) ? result.flatMap((c) => theCitizen(c)) : [];
