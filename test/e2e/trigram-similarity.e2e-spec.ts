import { Client } from 'pg';
import { leftCodePoints } from '../../src/common/code-points';
import { foldForSimilarity, similarity, trigrams, TrigramCache } from '../../src/routing/trigram-similarity';
import { createTestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

// the duplicate search scores in the app; these scores must be PostgreSQL's own (pg_trgm), which
// the 0.45 threshold was chosen against
const TEXTS = [
  'Bache enorme en la calle Zaragoza número 120, esquina con Galeana',
  'bache en calle zaragoza 120 esquina galeana',
  'BACHE ENORME EN LA CALLE ZARAGOZA NÚMERO 120',
  'La luminaria del poste 4512 está apagada desde el lunes',
  'Luminaria apagada poste 4512, colonia Tequisquiapan',
  'Fuga de agua en la esquina de Av. Carranza y Reforma; ya lleva días.',
  'fuga de agua av carranza reforma',
  'Niño atropellado? No: señalamiento caído en la Avenida Himno Nacional ¡urgente!',
  'senalamiento caido avenida himno nacional urgente',
  'Basura acumulada... basura, basura y más basura en el jardín de San Juan de Guadalupe',
  'Árbol caído sobre cableado 🌳 en la colonia Del Valle',
  'arbol caido cableado colonia del valle',
  'x',
  '',
  '12 34 56',
  '¿¡—…!?',
  'Çedilla, naïve façade, Übergröße, ÆSIR, Œuvre, Øre, Łódź',
];

describe('trigram similarity computed in the app (compared with pg_trgm on a real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await pg.query('CREATE EXTENSION IF NOT EXISTS unaccent');
  });

  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  it('folds case and accents as unaccent(lower(…)) does, word for word (punctuation only separates)', async () => {
    const words = (s: string) => s.match(/[\p{L}\p{N}]+/gu) ?? [];
    for (const text of TEXTS) {
      const { rows } = await pg.query('SELECT unaccent(lower($1)) AS f', [text]);
      expect(words(foldForSimilarity(text))).toEqual(words(rows[0].f));
    }
  });

  it('gives the same score as similarity(unaccent(lower(a)), unaccent(lower(b))) for every pair', async () => {
    const pairs: Array<[string, string]> = [];
    for (const a of TEXTS) for (const b of TEXTS) pairs.push([a, b]);
    const { rows } = await pg.query(
      `SELECT similarity(unaccent(lower(a)), unaccent(lower(b)))::float8 AS s FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(a, b, i) ORDER BY i`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    let above = 0;
    pairs.forEach(([a, b], i) => {
      const ours = similarity(trigrams(foldForSimilarity(a)), trigrams(foldForSimilarity(b)));
      expect({ a, b, score: ours }).toEqual({ a, b, score: expect.closeTo(rows[i].s, 5) });
      if (a !== b && ours >= 0.45) above++;
    });
    // the corpus has near-duplicates on both sides of the threshold, so the comparison means something
    expect(above).toBeGreaterThan(4);
  });

  it('counts trigrams as pg_trgm does (show_trgm)', async () => {
    for (const text of TEXTS.slice(0, 10)) {
      const { rows } = await pg.query('SELECT cardinality(show_trgm(unaccent(lower($1)))) AS n', [text]);
      expect(trigrams(foldForSimilarity(text)).length).toBe(rows[0].n);
    }
  });

  it('caches a set per ticket and derives it again when the text changes', () => {
    const cache = new TrigramCache(2);
    const first = cache.setOf('1', 'bache en la calle');
    expect(cache.setOf('1', 'bache en la calle')).toBe(first);
    const edited = cache.setOf('1', 'bache en la avenida');
    expect(edited).not.toBe(first);
    cache.setOf('2', 'luminaria');
    cache.setOf('3', 'fuga');
    expect(cache.size).toBe(2); // the oldest entry went
    expect(cache.setOf('1', 'bache en la avenida')).not.toBe(edited);
  });

  it('cuts by characters as SQL left() does', async () => {
    const text = 'ab🌳cd'.repeat(5);
    const { rows } = await pg.query('SELECT left($1, 7) AS l', [text]);
    expect(leftCodePoints(text, 7)).toBe(rows[0].l);
    expect(leftCodePoints('corto', 1000)).toBe('corto');
  });
});
