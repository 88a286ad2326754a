import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { DomainError, notFound } from '../common/domain-error';
import { Ticket } from '../tickets/ticket.entity';
import { CitizenIdentity } from './citizen-identity.entity';
import { Citizen } from './citizen.entity';
import { ListCitizensQuery, UpdateCitizenDto } from './dto/citizen.dto';
import type { IdentityKind } from './identity-kind';
import { normalizeEmail, normalizePhone } from './normalize-contact';

export interface ContactIdentity {
  kind: IdentityKind;
  value: string;
  handle?: string | null;
  displayName?: string | null;
}

export interface ContactInput {
  name?: string | null;
  identities: ContactIdentity[];
}

/** Normalises raw identities; invalid emails/phones are dropped (the report is still taken). */
export function normalizeIdentities(identities: ContactIdentity[]): ContactIdentity[] {
  const out: ContactIdentity[] = [];
  for (const i of identities) {
    const value =
      i.kind === 'email' ? normalizeEmail(i.value) : i.kind === 'phone' || i.kind === 'whatsapp' ? normalizePhone(i.value) ?? i.value.trim() : i.value.trim();
    if (!value || value.length > 320) continue;
    if (!out.some((o) => o.kind === i.kind && o.value === value)) out.push({ ...i, value });
  }
  return out;
}

@Injectable()
export class CitizensService {
  private readonly logger = new Logger(CitizensService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Citizen) private readonly citizens: Repository<Citizen>,
  ) {}

  /**
   * Finds the citizen behind any of these identities, or creates one. Runs inside the caller's
   * transaction; concurrent first messages from the same new sender end on one citizen.
   */
  async resolveContact(manager: EntityManager, contact: ContactInput): Promise<Citizen | null> {
    const identities = normalizeIdentities(contact.identities);
    const name = contact.name?.trim().slice(0, 200) || null;
    if (identities.length === 0 && !name) return null;
    // one round trip for all the identities; the first known one (in the given order) decides
    const known: Array<{ kind: string; value: string; citizen_id: string }> = identities.length
      ? await manager.query(
          `SELECT i.kind, i.value, i.citizen_id FROM citizen_identities i
           JOIN unnest($1::text[], $2::text[]) AS w(kind, value) ON i.kind = w.kind AND i.value = w.value`,
          [identities.map((i) => i.kind), identities.map((i) => i.value)],
        )
      : [];
    const isKnown = (i: ContactIdentity) => known.find((k) => k.kind === i.kind && k.value === i.value);
    const first = identities.map(isKnown).find((k) => !!k);
    let citizen = first ? await this.followMerges(manager, String(first.citizen_id)) : null;
    let created = false;
    if (!citizen) {
      citizen = await manager.save(Citizen, manager.create(Citizen, { name }));
      created = true;
    } else if (!citizen.name && name) {
      await manager.update(Citizen, citizen.id, { name });
      citizen.name = name;
    }
    let raced = false;
    for (const identity of identities.filter((i) => !isKnown(i))) {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO citizen_identities (citizen_id, kind, value, handle, display_name)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, value) DO NOTHING RETURNING id`,
        [citizen.id, identity.kind, identity.value, identity.handle ?? null, identity.displayName ?? null],
      );
      if (!inserted.length) raced = true;
    }
    if (!raced) return citizen;
    // Another transaction claimed an identity first: follow it so both land on one citizen.
    const owner = await this.findByIdentities(manager, identities);
    if (owner && created && owner.id !== citizen.id) {
      await manager.delete(Citizen, { id: citizen.id });
      return owner;
    }
    return owner ?? citizen;
  }

  private async findByIdentities(manager: EntityManager, identities: ContactIdentity[]): Promise<Citizen | null> {
    for (const identity of identities) {
      const found = await manager.findOne(CitizenIdentity, { where: { kind: identity.kind, value: identity.value } });
      if (found) return this.followMerges(manager, found.citizenId);
    }
    return null;
  }

  private async followMerges(manager: EntityManager, id: string): Promise<Citizen | null> {
    let citizen = await manager.findOne(Citizen, { where: { id } });
    for (let hops = 0; citizen?.mergedIntoId && hops < 10; hops++) {
      citizen = await manager.findOne(Citizen, { where: { id: citizen.mergedIntoId } });
    }
    return citizen;
  }

  async list(query: ListCitizensQuery) {
    const qb = this.citizens
      .createQueryBuilder('c')
      .leftJoinAndSelect('c.identities', 'i')
      .where('c.merged_into_id IS NULL')
      .orderBy('c.created_at', 'DESC')
      .take(query.limit ?? 25);
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      qb.andWhere(
        `(f_unaccent(c.name) ILIKE f_unaccent(:like) OR EXISTS (SELECT 1 FROM citizen_identities s WHERE s.citizen_id = c.id AND s.value ILIKE :like))`,
        { like },
      );
    }
    if (query.kind) qb.andWhere('EXISTS (SELECT 1 FROM citizen_identities k WHERE k.citizen_id = c.id AND k.kind = :kind)', { kind: query.kind });
    return qb.getMany();
  }

  async get(id: string) {
    const citizen = await this.citizens.findOne({ where: { id }, relations: { identities: true } });
    if (!citizen) throw notFound('Citizen');
    const tickets = await this.dataSource.getRepository(Ticket).find({
      where: { citizenId: id },
      select: { id: true, folio: true, subject: true, status: true, channel: true, createdAt: true },
      order: { createdAt: 'DESC' },
      take: 100,
    });
    return { ...citizen, tickets: tickets.map(({ id: _internal, ...t }) => t) };
  }

  /** Rectification (ARCO): name, and the full set of emails and phones. */
  async update(id: string, dto: UpdateCitizenDto) {
    await this.dataSource.transaction(async (manager) => {
      const citizen = await manager.findOne(Citizen, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!citizen) throw notFound('Citizen');
      if (citizen.anonymisedAt) throw new DomainError('CONFLICT', 'Citizen data was anonymised');
      if (dto.name !== undefined) await manager.update(Citizen, id, { name: dto.name.trim() || null });
      const replace = async (kind: 'email' | 'phone', raw: string[] | undefined) => {
        if (raw === undefined) return;
        const values = raw.map((v) => (kind === 'email' ? normalizeEmail(v) : normalizePhone(v)));
        const bad = raw.filter((_, i) => !values[i]);
        if (bad.length) {
          throw new DomainError('VALIDATION', `Invalid ${kind}`, [{ field: `${kind}s`, errors: bad.map((b) => `invalid ${kind}: ${b}`) }]);
        }
        const taken = await manager.find(CitizenIdentity, { where: { kind, value: In(values as string[]) } });
        const foreign = taken.filter((t) => t.citizenId !== id);
        if (foreign.length) throw new DomainError('CONFLICT', `${kind} belongs to another citizen; merge the two citizens instead`);
        await manager.query(`DELETE FROM citizen_identities WHERE citizen_id = $1 AND kind = $2 AND NOT (value = ANY($3))`, [id, kind, values]);
        for (const value of values) {
          await manager.query(
            `INSERT INTO citizen_identities (citizen_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT (kind, value) DO NOTHING`,
            [id, kind, value],
          );
        }
      };
      await replace('email', dto.emails);
      await replace('phone', dto.phones);
    });
    this.logger.log({ citizenId: id }, 'citizen rectified');
    return this.get(id);
  }

  /** Two records of the same person: identities and tickets move to the survivor. */
  async merge(id: string, intoId: string) {
    if (id === intoId) throw new DomainError('VALIDATION', 'A citizen cannot be merged into itself', [{ field: 'intoCitizenId', errors: ['same citizen'] }]);
    await this.dataSource.transaction(async (manager) => {
      const [a, b] = await Promise.all([
        manager.findOne(Citizen, { where: { id }, lock: { mode: 'pessimistic_write' } }),
        manager.findOne(Citizen, { where: { id: intoId }, lock: { mode: 'pessimistic_write' } }),
      ]);
      if (!a) throw notFound('Citizen');
      if (!b) throw notFound('Target citizen');
      if (a.mergedIntoId || b.mergedIntoId) throw new DomainError('CONFLICT', 'Citizen was already merged');
      await manager.query(`UPDATE citizen_identities SET citizen_id = $2 WHERE citizen_id = $1`, [id, intoId]);
      await manager.query(`UPDATE tickets SET citizen_id = $2 WHERE citizen_id = $1`, [id, intoId]);
      await manager.query(`UPDATE messages SET author_citizen_id = $2 WHERE author_citizen_id = $1`, [id, intoId]);
      await manager.update(Citizen, id, { mergedIntoId: intoId });
      if (!b.name && a.name) await manager.update(Citizen, intoId, { name: a.name });
    });
    this.logger.log({ citizenId: id, intoCitizenId: intoId }, 'citizens merged');
    return this.get(intoId);
  }
}
