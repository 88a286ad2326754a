import { MigrationInterface, QueryRunner } from 'typeorm';

/** San Luis Potosí's areas and the first categories (SPEC §2). Editable afterwards through the API. */
const AREAS: Array<[string, string]> = [
  ['alumbrado-publico', 'Alumbrado Público'],
  ['aseo-publico', 'Aseo Público'],
  ['obras-publicas', 'Obras Públicas'],
  ['parques-y-jardines', 'Parques y Jardines'],
  ['ecologia', 'Ecología'],
  ['seguridad-publica', 'Seguridad Pública'],
  ['transito', 'Tránsito'],
  ['interapas', 'Interapas (agua)'],
  ['comercio', 'Comercio'],
  ['desarrollo-urbano', 'Desarrollo Urbano'],
  ['atencion-ciudadana', 'Atención Ciudadana'],
];

const CATEGORIES: Array<[string, string, string]> = [
  ['bache', 'Bache', 'obras-publicas'],
  ['luminaria-apagada', 'Luminaria apagada', 'alumbrado-publico'],
  ['basura-no-recolectada', 'Basura no recolectada', 'aseo-publico'],
  ['fuga-de-agua', 'Fuga de agua', 'interapas'],
  ['drenaje', 'Drenaje', 'interapas'],
  ['poda-parque', 'Poda / parque', 'parques-y-jardines'],
  ['ruido', 'Ruido', 'ecologia'],
  ['animal-abandonado', 'Animal abandonado', 'ecologia'],
  ['comercio-via-publica', 'Comercio en vía pública', 'comercio'],
  ['queja-servidor-publico', 'Queja contra servidor público', 'atencion-ciudadana'],
  ['otro', 'Otro', 'atencion-ciudadana'],
];

export class SeedSanLuisPotosiCatalog1764172800100 implements MigrationInterface {
  name = 'SeedSanLuisPotosiCatalog1764172800100';

  public async up(q: QueryRunner): Promise<void> {
    for (const [code, name] of AREAS) {
      await q.query(`INSERT INTO areas (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, [code, name]);
    }
    for (const [code, name, area] of CATEGORIES) {
      await q.query(
        `INSERT INTO categories (code, name, area_id)
         SELECT $1, $2, id FROM areas WHERE code = $3
         ON CONFLICT (code) DO NOTHING`,
        [code, name, area],
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM categories WHERE code = ANY($1)`, [CATEGORIES.map((c) => c[0])]);
    await q.query(`DELETE FROM areas WHERE code = ANY($1)`, [AREAS.map((a) => a[0])]);
  }
}
