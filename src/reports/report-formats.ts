import { type CountRow, type MonthlyReport, ORIGIN_LABELS, type Origin, type TargetShare, type TimeStats } from './monthly-report';
import { monthName, percent } from './report-summary';

const SCOPE_LABEL = { all: 'Todos los canales', social: 'Redes sociales' } as const;
const pct1 = (share: number | null) => (share === null ? '' : String(Math.round(share * 1000) / 10));
const MERGED_DUPLICATES_LABEL = 'Duplicados fusionados (no incluidos en las demás cifras)';

// ---------- CSV ----------

/** One CSV cell: quoted when needed; a leading = + - @ is neutralised (spreadsheet formula injection). */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `section,key,label,value`, one figure per line, UTF-8 with a BOM so spreadsheet programs read the accents. */
export function reportToCsv(r: MonthlyReport): string {
  const rows: Array<[string, string, string, string | number | null]> = [
    ['report', 'month', 'Mes', r.month],
    ['report', 'scope', 'Alcance', SCOPE_LABEL[r.scope]],
    ['report', 'time_zone', 'Zona horaria', r.timeZone],
    ['received', 'total', 'Reportes recibidos', r.received.total],
    ['merged_duplicates', 'count', MERGED_DUPLICATES_LABEL, r.mergedDuplicates],
  ];
  for (const [k, v] of Object.entries(r.received.byOrigin)) rows.push(['origin', k, ORIGIN_LABELS[k as Origin], v]);
  const counts = (section: string, list: CountRow[]) => list.forEach((c) => rows.push([section, c.key, c.label, c.count]));
  counts('channel', r.received.byChannel);
  counts('category', r.byCategory);
  counts('area', r.byArea);
  counts('status_at_month_end', r.statusAtMonthEnd);
  const times = (section: string, t: TimeStats, label: string) => {
    rows.push([section, 'count', `${label}: reportes medidos`, t.count]);
    rows.push([section, 'median_hours', `${label}: mediana (horas)`, t.medianHours]);
    rows.push([section, 'p90_hours', `${label}: percentil 90 (horas)`, t.p90Hours]);
  };
  times('first_response', r.firstResponse, 'Primera respuesta');
  times('resolution', r.resolution, 'Atención');
  const share = (key: string, s: TargetShare, label: string) => {
    rows.push(['within_target', `${key}_met`, `${label}: dentro del plazo`, s.met]);
    rows.push(['within_target', `${key}_missed`, `${label}: fuera del plazo`, s.missed]);
    rows.push(['within_target', `${key}_pending`, `${label}: plazo aún no vencido`, s.pending]);
    rows.push(['within_target', `${key}_share_pct`, `${label}: porcentaje dentro del plazo`, pct1(s.share)]);
  };
  share('first_response', r.withinTarget.firstResponse, 'Primera respuesta');
  share('resolution', r.withinTarget.resolution, 'Atención');
  rows.push(['reopened', 'count', 'Reportes reabiertos en el mes', r.reopened]);
  counts('top_colonia', r.topColonias);
  rows.push(['summary', 'text', 'Resumen', r.summary]);
  return '\uFEFF' + ['section,key,label,value', ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

// ---------- HTML ----------

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const n = (v: number) => new Intl.NumberFormat('es-MX').format(v);
const hours = (h: number | null) => {
  if (h === null) return '—';
  const f = new Intl.NumberFormat('es-MX', { maximumFractionDigits: 1 });
  return h >= 48 ? `${f.format(h)} h (${f.format(h / 24)} días)` : `${f.format(h)} h`;
};

function table(caption: string, head: [string, string], rows: Array<[string, string, string]>): string {
  const body = rows.length
    ? rows.map(([figure, label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td data-figure="${escapeHtml(figure)}">${escapeHtml(value)}</td></tr>`).join('')
    : `<tr><td colspan="2" class="empty">Sin registros</td></tr>`;
  return `<table><caption>${escapeHtml(caption)}</caption><thead><tr><th scope="col">${escapeHtml(head[0])}</th><th scope="col">${escapeHtml(head[1])}</th></tr></thead><tbody>${body}</tbody></table>`;
}

const lastDay = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
};

const countRows = (prefix: string, list: CountRow[]): Array<[string, string, string]> => list.map((c) => [`${prefix}.${c.key}`, c.label, n(c.count)]);

const STYLE = `
@page { size: letter; margin: 2cm; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 0; font-size: 11pt; line-height: 1.45; }
header.doc { border-bottom: 3px solid #7a1f3d; margin-bottom: 1.2em; padding-bottom: .4em; }
header.doc p { margin: 0; color: #555; }
h1 { font-size: 18pt; margin: 0 0 .2em; color: #7a1f3d; }
h2 { font-size: 14pt; color: #7a1f3d; border-bottom: 1px solid #ccc; padding-bottom: .2em; }
section.page { break-after: page; page-break-after: always; padding: 1em 0; }
section.page:last-of-type { break-after: auto; page-break-after: auto; }
p.summary { font-size: 12pt; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin: .8em 0 1.4em; break-inside: avoid; page-break-inside: avoid; }
caption { text-align: left; font-weight: bold; margin-bottom: .3em; }
th, td { border: 1px solid #bbb; padding: .35em .6em; text-align: left; }
td { text-align: right; white-space: nowrap; }
td.empty { text-align: center; color: #777; }
thead th { background: #f0e6ea; }
footer { color: #777; font-size: 9pt; margin-top: 2em; }
@media screen { body { max-width: 50em; margin: 2em auto; padding: 0 1em; } }
`;

/** A printable, self-contained HTML page (no external assets): one printed page per section. */
export function reportToHtml(r: MonthlyReport): string {
  const title = `Informe mensual de Atención Ciudadana — ${monthName(r.month)}`;
  const count = (key: string) => r.statusAtMonthEnd.find((s) => s.key === key)?.count ?? 0;
  const share = (s: TargetShare) => (s.share === null ? '—' : percent(s.share));
  const sections = [
    `<section class="page" id="resumen"><header class="doc"><h1>${escapeHtml(title)}</h1><p>Atención Ciudadana · H. Ayuntamiento de San Luis Potosí · ${escapeHtml(SCOPE_LABEL[r.scope])}</p></header>
      <h2>Resumen</h2><p class="summary">${escapeHtml(r.summary)}</p>
      ${table('Cifras principales', ['Concepto', 'Valor'], [
        ['received.total', 'Reportes recibidos', n(r.received.total)],
        ['merged_duplicates.count', MERGED_DUPLICATES_LABEL, n(r.mergedDuplicates)],
        ['status.attended', 'Atendidos o cerrados al cierre del mes', n(count('resolved') + count('closed'))],
        ['within_target.first_response_share', 'Primera respuesta dentro del plazo', share(r.withinTarget.firstResponse)],
        ['within_target.resolution_share', 'Atención dentro del plazo', share(r.withinTarget.resolution)],
        ['reopened.count', 'Reportes reabiertos en el mes', n(r.reopened)],
      ])}</section>`,
    `<section class="page" id="recepcion"><h2>Recepción</h2>
      ${table('Por origen', ['Origen', 'Reportes'], (Object.keys(r.received.byOrigin) as Origin[]).map((k) => [`origin.${k}`, ORIGIN_LABELS[k], n(r.received.byOrigin[k])]))}
      ${table('Por canal', ['Canal', 'Reportes'], countRows('channel', r.received.byChannel))}</section>`,
    `<section class="page" id="temas"><h2>Temas y áreas</h2>
      ${table('Por categoría', ['Categoría', 'Reportes'], countRows('category', r.byCategory))}
      ${table('Por área responsable', ['Área', 'Reportes'], countRows('area', r.byArea))}</section>`,
    `<section class="page" id="estado"><h2>Estado al cierre del mes</h2>
      ${table('Reportes del mes según su estado al cierre', ['Estado', 'Reportes'], countRows('status', r.statusAtMonthEnd))}</section>`,
    `<section class="page" id="tiempos"><h2>Tiempos de respuesta y plazos</h2>
      ${table('Primera respuesta', ['Medida', 'Valor'], [
        ['first_response.count', 'Reportes con primera respuesta', n(r.firstResponse.count)],
        ['first_response.median', 'Mediana', hours(r.firstResponse.medianHours)],
        ['first_response.p90', 'Percentil 90', hours(r.firstResponse.p90Hours)],
        ['within_target.first_response_met', 'Dentro del plazo', n(r.withinTarget.firstResponse.met)],
        ['within_target.first_response_missed', 'Fuera del plazo', n(r.withinTarget.firstResponse.missed)],
        ['within_target.first_response_pending', 'Plazo aún no vencido', n(r.withinTarget.firstResponse.pending)],
      ])}
      ${table('Atención (solución)', ['Medida', 'Valor'], [
        ['resolution.count', 'Reportes atendidos', n(r.resolution.count)],
        ['resolution.median', 'Mediana', hours(r.resolution.medianHours)],
        ['resolution.p90', 'Percentil 90', hours(r.resolution.p90Hours)],
        ['within_target.resolution_met', 'Dentro del plazo', n(r.withinTarget.resolution.met)],
        ['within_target.resolution_missed', 'Fuera del plazo', n(r.withinTarget.resolution.missed)],
        ['within_target.resolution_pending', 'Plazo aún no vencido', n(r.withinTarget.resolution.pending)],
      ])}</section>`,
    `<section class="page" id="colonias"><h2>Colonias con más reportes</h2>
      ${table('Colonias', ['Colonia', 'Reportes'], countRows('colonia', r.topColonias))}
      <footer>Periodo: del 1 al ${lastDay(r.month)} de ${escapeHtml(monthName(r.month))}, hora local (${escapeHtml(r.timeZone)}). Cifras de los reportes recibidos en el mes, medidas al cierre del mes; los duplicados fusionados con otro reporte se cuentan aparte.</footer></section>`,
  ];
  return `<!DOCTYPE html>
<html lang="es-MX"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${sections.join('\n')}</body></html>
`;
}
