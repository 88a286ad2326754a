import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Folio numbers come from one PostgreSQL sequence per prefix and year (`folio_<prefix>_<year>`)
 * instead of a counter row: the row stayed locked until the creating transaction committed, so
 * every ticket creation — an agent's capture, a 50-mail intake batch — waited for the previous
 * one. A sequence never hands out a number twice and never blocks; a creation that rolls back
 * leaves a gap (SPEC §2 asks for a counter that never repeats). The counters carry over.
 */
export class FolioSequences1764800000100 implements MigrationInterface {
  name = 'FolioSequences1764800000100';

  public async up(q: QueryRunner): Promise<void> {
    const counters: Array<{ prefix: string; year: number; last_value: number }> = await q.query(`SELECT prefix, year, last_value FROM folio_counters`);
    for (const c of counters) {
      if (!/^[A-Z]{2,6}$/.test(c.prefix)) throw new Error(`folio_counters holds an invalid prefix: ${c.prefix}`);
      await q.query(`CREATE SEQUENCE IF NOT EXISTS "folio_${c.prefix.toLowerCase()}_${Number(c.year)}" AS bigint MINVALUE 1 START WITH ${Number(c.last_value) + 1}`);
    }
    await q.query(`DROP TABLE folio_counters`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE folio_counters (prefix varchar(6) NOT NULL, year int NOT NULL, last_value int NOT NULL, PRIMARY KEY (prefix, year))`);
    const seqs: Array<{ sequencename: string; last_value: string | null }> = await q.query(
      `SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() AND sequencename ~ '^folio_[a-z]{2,6}_[0-9]{4}$'`,
    );
    for (const s of seqs) {
      const [, prefix, year] = /^folio_([a-z]+)_(\d{4})$/.exec(s.sequencename)!;
      if (s.last_value !== null) await q.query(`INSERT INTO folio_counters (prefix, year, last_value) VALUES ($1, $2, $3)`, [prefix.toUpperCase(), Number(year), Number(s.last_value)]);
      await q.query(`DROP SEQUENCE "${s.sequencename}"`);
    }
  }
}
