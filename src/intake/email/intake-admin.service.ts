import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuthenticatedUser } from '../../auth/authenticated-user';
import { DomainError, notFound } from '../../common/domain-error';
import { AppConfig } from '../../config/app-config';
import { IntakeService } from '../intake.service';
import { EmailIntakeService } from './email-intake.service';
import type { ListFailuresQuery, ListIntakeLogQuery } from './dto/intake-admin.dto';
import { parseInboundEmail } from './parse-inbound-email';

const FAILURE_COLUMNS = `f.id, f.channel, f.mailbox, f.uid, f.external_id AS "externalId", f.from_address AS "fromAddress", f.subject,
  f.error, f.raw_size AS "rawSize", (f.raw IS NOT NULL) AS "retryable", f.status, f.attempts, t.folio,
  f.resolved_at AS "resolvedAt", f.resolved_by_id AS "resolvedById", f.created_at AS "createdAt", f.updated_at AS "updatedAt"`;

/** What admins see of the intake: the log of every arrival, and quarantined mail they can retry. */
@Injectable()
export class IntakeAdminService {
  private readonly logger = new Logger(IntakeAdminService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly emailIntake: EmailIntakeService,
    private readonly intake: IntakeService,
  ) {}

  async failures(query: ListFailuresQuery) {
    const status = query.status ?? 'pending';
    // newest first; a page continues after the failure named by `before` (the failures of one batch
    // share their transaction's created_at: the id breaks the tie)
    return this.dataSource.query(
      `SELECT ${FAILURE_COLUMNS} FROM intake_failures f LEFT JOIN tickets t ON t.id = f.ticket_id
       WHERE ($1 = 'all' OR f.status = $1)
         AND ($3::uuid IS NULL OR (f.created_at, f.id) < (SELECT c.created_at, c.id FROM intake_failures c WHERE c.id = $3))
       ORDER BY f.created_at DESC, f.id DESC LIMIT $2`,
      [status, query.limit ?? 50, query.before ?? null],
    );
  }

  async log(query: ListIntakeLogQuery) {
    const rows = await this.dataSource.query(
      `SELECT l.id::text AS id, l.channel, l.mailbox, l.uid, l.external_id AS "externalId", l.from_address AS "fromAddress", l.subject,
              l.kind, l.decision, l.reason, t.folio, l.acknowledged, l.created_at AS "createdAt"
       FROM intake_log l LEFT JOIN tickets t ON t.id = l.ticket_id
       WHERE ($1::text IS NULL OR l.decision = $1) AND ($2::bigint IS NULL OR l.id < $2)
       ORDER BY l.id DESC LIMIT $3`,
      [query.decision ?? null, query.before ?? null, query.limit ?? 50],
    );
    return { items: rows, nextBefore: rows.length ? Number(rows[rows.length - 1].id) : null };
  }

  /** Processes a stored failure again; on success it is resolved (the mail itself stays in the failed folder). */
  async retry(id: string, user: AuthenticatedUser) {
    const rows: Array<{ raw: Buffer | null; status: string }> = await this.dataSource.query(`SELECT raw, status FROM intake_failures WHERE id = $1`, [id]);
    if (!rows.length) throw notFound('Intake failure');
    if (rows[0].status === 'resolved') throw new DomainError('CONFLICT', 'This failure was already resolved');
    const raw = rows[0].raw;
    if (!raw) throw new DomainError('CONFLICT', 'The message was not kept (too large); process it from the failed mailbox folder');
    try {
      const parsed = await parseInboundEmail(raw, { attachmentMaxBytes: this.config.attachmentMaxBytes, ownAddresses: this.emailIntake.ownAddresses });
      const result = await this.dataSource.transaction(async (manager) => {
        const locked: unknown[] = await manager.query(`SELECT 1 FROM intake_failures WHERE id = $1 AND status = 'pending' FOR UPDATE`, [id]);
        if (!locked.length) throw new DomainError('CONFLICT', 'This failure was already resolved');
        const r = await this.emailIntake.process(manager, parsed, null);
        await manager.query(
          `UPDATE intake_failures SET status = 'resolved', attempts = attempts + 1, resolved_at = now(), resolved_by_id = $2, ticket_id = $3, updated_at = now() WHERE id = $1`,
          [id, user.id, r.ticketId],
        );
        return r;
      });
      if (result.intake) this.intake.count('email', result.intake);
      this.logger.log({ failureId: id, ticketId: result.ticketId, decision: result.decision, userId: user.id }, 'intake failure retried');
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      await this.dataSource.query(`UPDATE intake_failures SET attempts = attempts + 1, error = $2, updated_at = now() WHERE id = $1`, [id, message.slice(0, 2000)]);
      this.logger.warn({ failureId: id, userId: user.id }, 'intake failure retry failed again');
    }
    const [row] = await this.dataSource.query(`SELECT ${FAILURE_COLUMNS} FROM intake_failures f LEFT JOIN tickets t ON t.id = f.ticket_id WHERE f.id = $1`, [id]);
    return row;
  }
}
