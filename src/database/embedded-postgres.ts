import { mkdirSync } from 'node:fs';
import type { Extension, PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default (no DATABASE_URL): PostgreSQL compiled to WASM (PGlite), persisted in a
 * folder and served on a loopback port so the normal `pg` driver and TypeORM use it unchanged.
 * All connections share one backend session, so the app uses a pool of one connection with it.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    mkdirSync(dataDir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    // contrib subpath exports are not visible to TypeScript's node10 resolution; load them by name
    const contrib = (name: string): Promise<Record<string, Extension>> => import(`@electric-sql/pglite/contrib/${name}`);
    const { unaccent } = await contrib('unaccent');
    const { pg_trgm } = await contrib('pg_trgm');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create({ dataDir, extensions: { unaccent, pg_trgm } });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 50 });
    await server.start();
    const address = server.getServerConn();
    const url = `postgres://postgres@${address}/postgres`;
    return new EmbeddedPostgres(db, server, url, dataDir);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
