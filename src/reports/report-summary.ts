import { type MonthlyReport, openCount } from './monthly-report';

const MONTHS = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];

const num = (n: number) => new Intl.NumberFormat('es-MX').format(n);
export const percent = (share: number) => `${new Intl.NumberFormat('es-MX', { maximumFractionDigits: 1 }).format(share * 100)}%`;

/** "a", "a y b", "a, b y c" */
export function joinEs(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} y ${items[items.length - 1]}`;
}

const lowerFirst = (s: string) => (/^[A-ZÁÉÍÓÚÑ][a-záéíóúñ]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s);

/** "noviembre de 2021" */
export function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} de ${y}`;
}

/**
 * The paragraph that opens the report, in the register of the Dirección de Comunicación Social's
 * monthly report: "Durante noviembre de 2021 se recibieron 138 reportes ciudadanos por redes
 * sociales y correo institucional, de los cuales…".
 */
export function summarize(r: Omit<MonthlyReport, 'summary'>): string {
  const total = r.received.total;
  const when = `Durante ${monthName(r.month)}`;
  const dup = r.mergedDuplicates;
  const duplicates = (prefix: string) =>
    dup === 1
      ? `${prefix} 1 reporte duplicado, que se fusionó con el reporte original`
      : `${prefix} ${num(dup)} reportes duplicados, que se fusionaron con los reportes originales`;
  if (total === 0) {
    const none = `${when} no se recibieron reportes ciudadanos${dup ? ' nuevos' : ''}${r.scope === 'social' ? ' por redes sociales' : ''}`;
    return dup ? `${none}; ${duplicates(dup === 1 ? 'se recibió' : 'se recibieron')}.` : `${none}.`;
  }
  const o = r.received.byOrigin;
  const social = o.social + o.forwarded;
  const sentences: string[] = [];

  const via: string[] = [];
  if (social) via.push('redes sociales');
  if (o.email) via.push('correo institucional');
  if (o.capture) via.push('atención telefónica y presencial');
  const received = `${when} se ${total === 1 ? 'recibió' : 'recibieron'} ${num(total)} ${total === 1 ? 'reporte ciudadano' : 'reportes ciudadanos'} por ${joinEs(via)}`;

  const parts: string[] = [];
  if (via.length > 1) {
    // the first group carries the verb: "3 llegaron por redes sociales, 1 por correo institucional…"
    const arrived = (n: number) => (parts.length ? '' : n === 1 ? ' llegó' : ' llegaron');
    if (social) {
      const fwd = o.forwarded ? ` (${num(o.forwarded)} ${o.forwarded === 1 ? 'reenviado' : 'reenviados'} por la Dirección de Comunicación Social)` : '';
      parts.push(`${num(social)}${arrived(social)} por redes sociales${fwd}`);
    }
    if (o.email) parts.push(`${num(o.email)}${arrived(o.email)} por correo institucional`);
    if (o.capture) parts.push(`${num(o.capture)} ${o.capture === 1 ? 'fue captado' : 'fueron captados'} por teléfono o en ventanilla`);
    sentences.push(`${received}, de los cuales ${joinEs(parts)}.`);
  } else if (o.forwarded) {
    sentences.push(`${received}, de los cuales ${num(o.forwarded)} ${o.forwarded === 1 ? 'fue reenviado' : 'fueron reenviados'} por la Dirección de Comunicación Social.`);
  } else {
    sentences.push(`${received}.`);
  }
  if (dup) sentences.push(`${duplicates(dup === 1 ? 'Además se recibió' : 'Además se recibieron')} y no se ${dup === 1 ? 'incluye' : 'incluyen'} en estas cifras.`);

  const topics = r.byCategory.filter((c) => c.key !== 'Sin categoría').slice(0, 3);
  if (topics.length) {
    const list = joinEs(topics.map((c) => `${lowerFirst(c.label)} (${num(c.count)})`));
    sentences.push(topics.length === 1 ? `El tema más frecuente fue ${list}.` : `Los temas más frecuentes fueron ${list}.`);
  }

  const count = (key: string) => r.statusAtMonthEnd.find((s) => s.key === key)?.count ?? 0;
  const attended = count('resolved') + count('closed');
  const rejected = count('rejected');
  const open = openCount(r);
  const status: string[] = [];
  if (attended) status.push(`${num(attended)} ${attended === 1 ? 'había sido atendido' : 'habían sido atendidos'}`);
  if (rejected) status.push(`${num(rejected)} no ${rejected === 1 ? 'procedió' : 'procedieron'}`);
  if (open) status.push(`${num(open)} ${open === 1 ? 'seguía' : 'seguían'} en proceso`);
  sentences.push(`Al cierre del mes, ${joinEs(status)}.`);

  const fr = r.withinTarget.firstResponse.share;
  const rs = r.withinTarget.resolution.share;
  const sla: string[] = [];
  if (fr !== null) sla.push(`el ${percent(fr)} de los reportes con plazo cumplido o vencido recibió primera respuesta a tiempo`);
  if (rs !== null) sla.push(`el ${percent(rs)} se atendió dentro del plazo establecido`);
  if (sla.length) sentences.push(`${sla.join(' y ').replace(/^el/, 'El')}.`);

  if (r.reopened) sentences.push(`Se ${r.reopened === 1 ? 'reabrió' : 'reabrieron'} ${num(r.reopened)} ${r.reopened === 1 ? 'reporte' : 'reportes'}.`);

  const colonias = r.topColonias.slice(0, 3);
  if (colonias.length) {
    const list = joinEs(colonias.map((c) => `${c.label} (${num(c.count)})`));
    sentences.push(colonias.length === 1 ? `La colonia con más reportes fue ${list}.` : `Las colonias con más reportes fueron ${list}.`);
  }
  return sentences.join(' ');
}
