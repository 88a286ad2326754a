import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Citizen } from '../citizens/citizen.entity';
import { DomainError, notFound } from '../common/domain-error';
import { MetricsService } from '../metrics/metrics.service';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { CORE_TABLES_FREE_OF_PERSONAL_DATA, citizensHandler, ticketsHandler } from './core-personal-data';
import { PersonalDataRegistry } from './personal-data-registry';
import { loadPersonalDataSubject } from './personal-data-subject';
import { buildRedactor } from './redact-identifiers';

export interface AnonymiseOptions {
  reason: string;
  /** null when the retention job does it */
  actorUserId: string | null;
}

export interface AnonymiseResult {
  citizenId: string;
  anonymisedAt: Date;
  folios: string[];
}

/** ARCO cancellation: irreversible anonymisation of one citizen; tickets and statistics stay. */
@Injectable()
export class AnonymisationService implements OnModuleInit {
  private readonly logger = new Logger(AnonymisationService.name);
  private readonly counter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PersonalDataRegistry,
    metrics: MetricsService,
  ) {
    this.counter = metrics.counter('enlace_citizens_anonymised_total', 'Citizens anonymised, by trigger', ['trigger']);
  }

  onModuleInit() {
    this.registry.register(citizensHandler);
    this.registry.register(ticketsHandler);
    for (const [tables, why] of CORE_TABLES_FREE_OF_PERSONAL_DATA) this.registry.declareFreeOfPersonalData(tables, why);
  }

  async anonymise(citizenId: string, opts: AnonymiseOptions): Promise<AnonymiseResult> {
    const result = await this.dataSource.transaction((manager) => this.anonymiseIn(manager, citizenId, opts));
    this.counter.inc({ trigger: opts.actorUserId ? 'request' : 'retention' });
    return result;
  }

  /** The retention job anonymises inside its own transactions: it reports how many once they committed. */
  countRetention(n: number): void {
    if (n > 0) this.counter.inc({ trigger: 'retention' }, n);
  }

  /** Inside the caller's transaction (the retention job batches several). */
  async anonymiseIn(manager: EntityManager, citizenId: string, opts: AnonymiseOptions): Promise<AnonymiseResult> {
    const citizen = await manager.findOne(Citizen, { where: { id: citizenId }, lock: { mode: 'pessimistic_write' } });
    if (!citizen) throw notFound('Citizen');
    if (citizen.mergedIntoId) throw new DomainError('CONFLICT', `Citizen was merged into ${citizen.mergedIntoId}: anonymise that record`);
    if (citizen.anonymisedAt) throw new DomainError('CONFLICT', 'Citizen data was already anonymised');

    const subject = await loadPersonalDataSubject(manager, citizenId);
    const redact = buildRedactor(subject.identifiers);
    for (const handler of this.registry.all()) {
      await handler.erase(manager, subject, redact);
    }
    // the reason itself may quote the person ("solicitud ARCO de …"): it is stored redacted
    const reason = redact.text(opts.reason).slice(0, 1000);
    const folios: Array<{ folio: string }> = await manager.query(`SELECT folio FROM tickets WHERE id = ANY($1) ORDER BY id`, [subject.ticketIds]);
    for (const ticketId of subject.ticketIds) {
      await manager.insert(TicketEvent, {
        ticketId,
        type: 'anonymised',
        actorUserId: opts.actorUserId,
        actorKind: opts.actorUserId ? 'user' : 'system',
        reason,
        data: { citizenId },
      });
    }
    this.logger.log({ citizenId, tickets: subject.ticketIds.length, actorUserId: opts.actorUserId }, 'citizen anonymised');
    return { citizenId, anonymisedAt: new Date(), folios: folios.map((f) => f.folio) };
  }
}
