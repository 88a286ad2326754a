import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keyword rules that suggest a category for each new ticket (editable by admins through
 * /api/v1/routing-rules), the Unidad de Transparencia, and the record of service-level
 * notifications (one per ticket and missed target, whatever the number of app instances).
 *
 * Keywords are matched accent- and case-insensitively on whole words; a word of 5+ letters also
 * matches with one typo; a trailing `*` matches any word starting with it (see
 * src/routing/keyword-matcher.ts).
 */
export const SEED_ROUTING_RULES: Array<[keyword: string, category: string | null, weight: number]> = [
  // Obras Públicas
  ['bache', 'bache', 3], ['baches', 'bache', 3], ['hoyo', 'bache', 1], ['hoyos', 'bache', 1], ['socavon', 'bache', 2],
  ['hundimiento', 'bache', 2], ['pavimento', 'bache', 1], ['asfalto', 'bache', 1], ['carpeta asfaltica', 'bache', 2],
  // Alumbrado Público
  ['luminaria', 'luminaria-apagada', 3], ['luminarias', 'luminaria-apagada', 3], ['lampara', 'luminaria-apagada', 2],
  ['alumbrado', 'luminaria-apagada', 3], ['arbotante', 'luminaria-apagada', 3], ['poste', 'luminaria-apagada', 1],
  ['no hay luz', 'luminaria-apagada', 2], ['sin luz', 'luminaria-apagada', 2], ['calle oscura', 'luminaria-apagada', 2],
  ['foco fundido', 'luminaria-apagada', 2], ['lampara fundida', 'luminaria-apagada', 2], ['apagada', 'luminaria-apagada', 1],
  // Aseo Público
  ['basura', 'basura-no-recolectada', 3], ['camion de la basura', 'basura-no-recolectada', 2], ['recoleccion', 'basura-no-recolectada', 2],
  ['recolector', 'basura-no-recolectada', 2], ['desechos', 'basura-no-recolectada', 1], ['tiradero', 'basura-no-recolectada', 2],
  ['contenedor', 'basura-no-recolectada', 1],
  // Interapas
  ['fug*', 'fuga-de-agua', 2], ['agua', 'fuga-de-agua', 1], ['sin agua', 'fuga-de-agua', 2], ['tuberia', 'fuga-de-agua', 2],
  ['tubo roto', 'fuga-de-agua', 2], ['medidor', 'fuga-de-agua', 1], ['interapas', 'fuga-de-agua', 1], ['se tira el agua', 'fuga-de-agua', 2],
  ['drenaje', 'drenaje', 3], ['alcantarilla', 'drenaje', 3], ['coladera', 'drenaje', 3], ['aguas negras', 'drenaje', 3],
  ['azolve', 'drenaje', 2], ['azolvado', 'drenaje', 2], ['registro', 'drenaje', 1], ['desazolve', 'drenaje', 2], ['aguas residuales', 'drenaje', 3],
  // Parques y Jardines
  ['poda', 'poda-parque', 3], ['podar', 'poda-parque', 3], ['arbol', 'poda-parque', 2], ['arboles', 'poda-parque', 2],
  ['ramas', 'poda-parque', 2], ['parque', 'poda-parque', 2], ['jardin', 'poda-parque', 1], ['pasto', 'poda-parque', 1], ['area verde', 'poda-parque', 2],
  // Ecología
  ['ruido', 'ruido', 3], ['ruidos', 'ruido', 3], ['musica', 'ruido', 1], ['volumen', 'ruido', 1], ['bocinas', 'ruido', 2],
  ['escandalo', 'ruido', 2], ['fiesta', 'ruido', 1],
  ['perro', 'animal-abandonado', 2], ['perros', 'animal-abandonado', 2], ['perrito', 'animal-abandonado', 2], ['gato', 'animal-abandonado', 2],
  ['gatos', 'animal-abandonado', 2], ['animal', 'animal-abandonado', 2], ['abandonado', 'animal-abandonado', 1], ['maltrato animal', 'animal-abandonado', 3],
  ['callejero', 'animal-abandonado', 1],
  // Comercio
  ['ambulante', 'comercio-via-publica', 3], ['ambulantes', 'comercio-via-publica', 3], ['puesto', 'comercio-via-publica', 1],
  ['puestos', 'comercio-via-publica', 1], ['vendedores', 'comercio-via-publica', 2], ['comercio', 'comercio-via-publica', 2],
  ['via publica', 'comercio-via-publica', 1], ['banqueta invadida', 'comercio-via-publica', 2],
  // Atención Ciudadana
  ['servidor publico', 'queja-servidor-publico', 3], ['funcionario', 'queja-servidor-publico', 3], ['empleado municipal', 'queja-servidor-publico', 3],
  ['mala atencion', 'queja-servidor-publico', 2], ['grosero', 'queja-servidor-publico', 2], ['prepotente', 'queja-servidor-publico', 2],
  ['mordida', 'queja-servidor-publico', 2], ['soborno', 'queja-servidor-publico', 3], ['corrupcion', 'queja-servidor-publico', 3],
  ['inspector', 'queja-servidor-publico', 1],
  // Transparency requests: flagged for the Unidad de Transparencia, not routed
  ['solicitud de informacion', null, 1], ['informacion publica', null, 1], ['transparencia', null, 1],
  ['acceso a la informacion', null, 1], ['plataforma nacional de transparencia', null, 1],
];

export class RoutingRulesAndSlaNotifications1764500000000 implements MigrationInterface {
  name = 'RoutingRulesAndSlaNotifications1764500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE routing_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        keyword varchar(200) NOT NULL,
        kind varchar(20) NOT NULL DEFAULT 'category' CHECK (kind IN ('category','transparency')),
        category_id uuid REFERENCES categories(id),
        weight int NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_routing_rules_target CHECK ((kind = 'category') = (category_id IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_routing_rules_keyword_target ON routing_rules (lower(keyword), kind, coalesce(category_id, '00000000-0000-0000-0000-000000000000'::uuid))`);

    await q.query(`
      CREATE TABLE sla_notifications (
        ticket_id bigint NOT NULL REFERENCES tickets(id),
        target varchar(20) NOT NULL CHECK (target IN ('accept','first_response','resolution')),
        area_id uuid REFERENCES areas(id),
        recipient varchar(254),
        due_at timestamptz NOT NULL,
        notified_at timestamptz NOT NULL,
        PRIMARY KEY (ticket_id, target)
      )`);
    // the auto-close job looks for resolved tickets by resolution date
    await q.query(`CREATE INDEX ix_tickets_resolved_at ON tickets (resolved_at) WHERE status = 'resolved'`);

    await q.query(`INSERT INTO areas (code, name) VALUES ('unidad-de-transparencia', 'Unidad de Transparencia') ON CONFLICT (code) DO NOTHING`);
    for (const [keyword, category, weight] of SEED_ROUTING_RULES) {
      if (category === null) {
        await q.query(`INSERT INTO routing_rules (keyword, kind, weight) VALUES ($1, 'transparency', $2)`, [keyword, weight]);
      } else {
        await q.query(
          `INSERT INTO routing_rules (keyword, kind, category_id, weight)
           SELECT $1, 'category', id, $3 FROM categories WHERE code = $2`,
          [keyword, category, weight],
        );
      }
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_tickets_resolved_at`);
    await q.query(`DROP TABLE IF EXISTS sla_notifications`);
    await q.query(`DROP TABLE IF EXISTS routing_rules`);
    await q.query(`DELETE FROM areas WHERE code = 'unidad-de-transparencia' AND NOT EXISTS (SELECT 1 FROM tickets WHERE area_id = areas.id)`);
  }
}
