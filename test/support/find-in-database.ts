import type { DataSource } from 'typeorm';

/** Every table of the public schema (tables added by any module are included automatically). */
export async function listTables(db: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

/**
 * Tables whose rows contain the text anywhere (`t::text ILIKE`), with the row count.
 * Covers every column, including jsonb, arrays and generated search vectors.
 */
export async function findTextInDatabase(db: DataSource, needle: string): Promise<Array<{ table: string; rows: number }>> {
  const like = `%${needle.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  const hits: Array<{ table: string; rows: number }> = [];
  for (const table of await listTables(db)) {
    const [{ n }]: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM "${table.replace(/"/g, '""')}" t WHERE t::text ILIKE $1`, [like]);
    if (n > 0) hits.push({ table, rows: n });
  }
  return hits;
}
