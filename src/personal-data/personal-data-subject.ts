import type { EntityManager } from 'typeorm';
import type { PersonalDataSubject } from './personal-data-registry';

const PHONE_KINDS = ['phone', 'whatsapp'];
const PLATFORM_KINDS = ['messenger', 'instagram', 'telegram'];

/** Collects a citizen's records, tickets and identifiers (read inside the caller's transaction). */
export async function loadPersonalDataSubject(manager: EntityManager, citizenId: string): Promise<PersonalDataSubject> {
  const citizens: Array<{ id: string; name: string | null }> = await manager.query(
    `WITH RECURSIVE chain AS (
       SELECT id, name FROM citizens WHERE id = $1
       UNION SELECT c.id, c.name FROM citizens c JOIN chain ON c.merged_into_id = chain.id
     ) SELECT id, name FROM chain`,
    [citizenId],
  );
  const citizenIds = citizens.map((c) => c.id);
  const identities: Array<{ kind: string; value: string; handle: string | null; display_name: string | null }> = await manager.query(
    `SELECT kind, value, handle, display_name FROM citizen_identities WHERE citizen_id = ANY($1)`,
    [citizenIds],
  );
  const tickets: Array<{ id: string }> = await manager.query(`SELECT id FROM tickets WHERE citizen_id = ANY($1)`, [citizenIds]);
  const authors: Array<{ author_name: string }> = await manager.query(
    `SELECT DISTINCT author_name FROM messages WHERE author_citizen_id = ANY($1) AND author_name IS NOT NULL`,
    [citizenIds],
  );
  const of = (kinds: string[]) => identities.filter((i) => kinds.includes(i.kind)).map((i) => i.value);
  return {
    citizenId,
    citizenIds,
    ticketIds: tickets.map((t) => String(t.id)),
    identifiers: {
      names: [
        ...citizens.map((c) => c.name),
        ...identities.map((i) => i.display_name),
        ...authors.map((a) => a.author_name),
      ].filter((x): x is string => !!x && !x.startsWith('[')),
      emails: of(['email']),
      phones: of(PHONE_KINDS),
      handles: [...of(['handle']), ...identities.map((i) => i.handle)].filter((x): x is string => !!x),
      platformIds: of(PLATFORM_KINDS),
    },
  };
}
