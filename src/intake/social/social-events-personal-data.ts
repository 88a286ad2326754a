import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { PersonalDataHandler, PersonalDataSubject } from '../../personal-data/personal-data-registry';

/** The forms a platform id or phone takes inside a raw delivery (WhatsApp writes 521… without "+"). */
function needles(subject: PersonalDataSubject): string[] {
  const out = new Set<string>();
  for (const id of subject.identifiers.platformIds) if (id.trim().length >= 5) out.add(id.trim().replace(/^\+/, ''));
  for (const phone of subject.identifiers.phones) {
    const digits = phone.replace(/\D/g, '');
    if (digits.length < 8) continue;
    out.add(digits);
    if (digits.startsWith('52') && digits.length === 12) out.add(`521${digits.slice(2)}`);
  }
  return [...out];
}

async function findRows(manager: EntityManager, subject: PersonalDataSubject, lock: boolean) {
  const patterns = needles(subject).map((n) => `%${n.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
  if (!patterns.length) return [];
  const rows: Array<{ id: string; platform: string; status: string; body: Buffer; received_at: Date }> = await manager.query(
    `SELECT id, platform, status, body, received_at FROM social_events
     WHERE convert_from(body, 'UTF8') LIKE ANY($1::text[]) ORDER BY id ${lock ? 'FOR UPDATE' : ''}`,
    [patterns],
  );
  return rows;
}

/**
 * Raw webhook deliveries hold the citizen's platform ids, profile name, phone and words. The ARCO
 * export lists them; anonymisation redacts them in place (and a delivery still waiting is not
 * processed any more).
 */
export const socialEventsPersonalDataHandler: PersonalDataHandler = {
  name: 'social_events',
  tables: ['social_events'],
  async export(manager, subject) {
    const rows = await findRows(manager, subject, false);
    return {
      socialEvents: rows.map((r) => ({ id: String(r.id), platform: r.platform, status: r.status, receivedAt: r.received_at, body: r.body.toString('utf8') })),
    };
  },
  async erase(manager, subject, redact) {
    for (const r of await findRows(manager, subject, true)) {
      let body = redact.text(r.body.toString('utf8'));
      for (const n of needles(subject)) body = body.split(n).join('[identificador eliminado]');
      await manager.query(
        `UPDATE social_events SET body = $2, body_sha256 = $3,
           status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
           last_error = CASE WHEN status = 'pending' THEN 'no procesado: datos personales anonimizados' ELSE last_error END
         WHERE id = $1`,
        [r.id, Buffer.from(body, 'utf8'), createHash('sha256').update(body).update(`:${r.id}`).digest('hex')],
      );
    }
  },
};
