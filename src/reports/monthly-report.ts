import { cameFromSocialMedia, type TicketChannel } from '../tickets/ticket-channel';
import { OPEN_STATUSES, STATUS_LABELS, TICKET_STATUSES, type TicketStatus } from '../tickets/ticket-status';
import { normalizeText } from '../routing/normalize-text';

/** One ticket received in the month, as the report needs it. Times after the month end are already null. */
export interface ReportTicket {
  channel: string;
  forwarded: boolean;
  categoryName: string | null;
  areaName: string | null;
  colonia: string | null;
  statusAtMonthEnd: TicketStatus;
  createdAt: Date;
  firstRespondedAt: Date | null;
  /**
   * the final resolution before the month end: the first move into resolved/closed after the last
   * reopening (resolved 3 Nov, reopened, closed 28 Nov → 28 Nov)
   */
  resolvedAt: Date | null;
  /** merged into another ticket as a duplicate (as of the month end): counted apart, in no other figure */
  mergedDuplicate: boolean;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
}

export type ReportScope = 'all' | 'social';
export type Origin = 'email' | 'social' | 'forwarded' | 'capture';

export const ORIGIN_LABELS: Record<Origin, string> = {
  email: 'Correo institucional',
  social: 'Redes sociales (mensajería directa)',
  forwarded: 'Reenviados por Comunicación Social',
  capture: 'Captura por personal (teléfono, ventanilla)',
};

export const CHANNEL_LABELS: Record<TicketChannel, string> = {
  email: 'Correo institucional',
  phone: 'Teléfono',
  walk_in: 'Ventanilla',
  staff: 'Captura de personal',
  messenger: 'Facebook Messenger',
  instagram: 'Instagram',
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  facebook: 'Facebook',
  x: 'X (Twitter)',
  tiktok: 'TikTok',
  youtube: 'YouTube',
  other: 'Otro',
};

export interface CountRow {
  key: string;
  label: string;
  count: number;
}

export interface TimeStats {
  /** how many tickets the times are measured on */
  count: number;
  medianHours: number | null;
  p90Hours: number | null;
}

export interface TargetShare {
  met: number;
  missed: number;
  /** not answered yet and not yet due at the month end */
  pending: number;
  /** met / (met + missed), 0–1, null when nothing was due */
  share: number | null;
}

export interface MonthlyReport {
  month: string;
  timeZone: string;
  scope: ReportScope;
  period: { start: string; end: string };
  received: { total: number; byOrigin: Record<Origin, number>; byChannel: CountRow[] };
  byCategory: CountRow[];
  byArea: CountRow[];
  statusAtMonthEnd: CountRow[];
  firstResponse: TimeStats;
  resolution: TimeStats;
  withinTarget: { firstResponse: TargetShare; resolution: TargetShare };
  /** reports reopened during the month (each report once) */
  reopened: number;
  /** reports received in the month that were merged into another as duplicates by the month end; left out of every other figure */
  mergedDuplicates: number;
  topColonias: CountRow[];
  summary: string;
}

export function originOf(t: Pick<ReportTicket, 'channel' | 'forwarded'>): Origin {
  if (t.forwarded) return 'forwarded';
  if (t.channel === 'email') return 'email';
  if (cameFromSocialMedia(t)) return 'social';
  return 'capture';
}

/** The social-channel part the press office sees: social networks and what it forwarded. */
export function isSocial(t: Pick<ReportTicket, 'channel' | 'forwarded'>): boolean {
  const o = originOf(t);
  return o === 'social' || o === 'forwarded';
}

/** Median (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

const HOUR_MS = 3_600_000;
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

function timeStats(hours: number[]): TimeStats {
  return { count: hours.length, medianHours: round1(median(hours)), p90Hours: round1(percentile(hours, 90)) };
}

function targetShare(items: Array<{ doneAt: Date | null; dueAt: Date | null }>, monthEnd: Date): TargetShare {
  let met = 0;
  let missed = 0;
  let pending = 0;
  for (const { doneAt, dueAt } of items) {
    if (!dueAt) continue; // no category, no target
    if (doneAt) {
      if (doneAt <= dueAt) met++;
      else missed++;
    } else if (dueAt < monthEnd) missed++;
    else pending++;
  }
  return { met, missed, pending, share: met + missed ? met / (met + missed) : null };
}

function countBy(items: string[], labelOf: (key: string) => string = (k) => k): CountRow[] {
  const counts = new Map<string, number>();
  for (const k of items) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()]
    .map(([key, count]) => ({ key, label: labelOf(key), count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'es'));
}

const capitalised = (s: string) => (/^\p{Lu}/u.test(s) ? 1 : 0);

export const NO_CATEGORY = 'Sin categoría';
export const NO_AREA = 'Sin área';
const TOP_COLONIAS = 5;

/**
 * The figures of the monthly report (SPEC §6) for the tickets received in the month: by origin
 * and channel, category, area; status at the month end; first-response and resolution times
 * (hours, median and p90) and share within target as of the month end; reports reopened during
 * the month; the colonias with most reports. Duplicates merged into another ticket are counted
 * apart (`mergedDuplicates`) and left out of the other figures: their report is the surviving
 * ticket's, and their merge (new → rejected) is no first response.
 *
 * What is frozen at the month end, read from the event trail and the stamps: which tickets were
 * received (creation time, channel, forwarding), the status at the month end, the first response
 * and the final resolution as of the month end (later ones count as none), merged duplicates and
 * reopenings. What is not: the rest is each ticket's *current* value when the report is generated —
 * its category and area (a ticket re-categorised or turned over later counts under the new one) and
 * their current names (a renamed category or area shows renamed), its colonia as last edited, and
 * its due dates, which choosing another category recomputes (an uncategorised ticket has the
 * targets of "Otro" until then) and so can move a ticket between met, missed and pending.
 * Generating a past month again can therefore give different category, area and colonia counts
 * and within-target shares; save the report at the month end to keep those figures as they were.
 */
export function buildMonthlyReport(input: {
  month: string;
  timeZone: string;
  scope: ReportScope;
  start: Date;
  end: Date;
  tickets: ReportTicket[];
  reopened: number;
  summary: (r: Omit<MonthlyReport, 'summary'>) => string;
}): MonthlyReport {
  const inScope = input.scope === 'social' ? input.tickets.filter(isSocial) : input.tickets;
  const tickets = inScope.filter((t) => !t.mergedDuplicate);
  const byOrigin: Record<Origin, number> = { email: 0, social: 0, forwarded: 0, capture: 0 };
  for (const t of tickets) byOrigin[originOf(t)]++;

  const statusCounts = new Map<TicketStatus, number>();
  for (const t of tickets) statusCounts.set(t.statusAtMonthEnd, (statusCounts.get(t.statusAtMonthEnd) ?? 0) + 1);

  const firstHours = tickets.filter((t) => t.firstRespondedAt).map((t) => (t.firstRespondedAt!.getTime() - t.createdAt.getTime()) / HOUR_MS);
  const resolvedAtEnd = tickets.filter((t) => t.resolvedAt && (t.statusAtMonthEnd === 'resolved' || t.statusAtMonthEnd === 'closed'));
  const resolutionHours = resolvedAtEnd.map((t) => (t.resolvedAt!.getTime() - t.createdAt.getTime()) / HOUR_MS);

  // colonias grouped without accents/case/extra spaces; shown with the most frequent spelling
  const spelling = new Map<string, Map<string, number>>();
  const coloniaKeys: string[] = [];
  for (const t of tickets) {
    const name = t.colonia?.trim().replace(/\s+/g, ' ');
    if (!name) continue;
    const key = normalizeText(name);
    if (!key) continue;
    coloniaKeys.push(key);
    const forms = spelling.get(key) ?? new Map<string, number>();
    forms.set(name, (forms.get(name) ?? 0) + 1);
    spelling.set(key, forms);
  }
  const displayColonia = (key: string) =>
    // ties: a capitalised spelling, then the one seen first (sort is stable)
    [...(spelling.get(key) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1] || capitalised(b[0]) - capitalised(a[0]))[0]?.[0] ?? key;

  const report: Omit<MonthlyReport, 'summary'> = {
    month: input.month,
    timeZone: input.timeZone,
    scope: input.scope,
    period: { start: input.start.toISOString(), end: input.end.toISOString() },
    received: {
      total: tickets.length,
      byOrigin,
      byChannel: countBy(
        tickets.map((t) => t.channel),
        (k) => CHANNEL_LABELS[k as TicketChannel] ?? k,
      ),
    },
    byCategory: countBy(tickets.map((t) => t.categoryName ?? NO_CATEGORY)),
    byArea: countBy(tickets.map((t) => t.areaName ?? NO_AREA)),
    statusAtMonthEnd: TICKET_STATUSES.map((s) => ({ key: s, label: STATUS_LABELS[s], count: statusCounts.get(s) ?? 0 })),
    firstResponse: timeStats(firstHours),
    resolution: timeStats(resolutionHours),
    withinTarget: {
      firstResponse: targetShare(
        tickets.map((t) => ({ doneAt: t.firstRespondedAt, dueAt: t.firstResponseDueAt })),
        input.end,
      ),
      resolution: targetShare(
        tickets.map((t) => ({
          doneAt: t.statusAtMonthEnd === 'resolved' || t.statusAtMonthEnd === 'closed' ? t.resolvedAt : null,
          dueAt: t.statusAtMonthEnd === 'rejected' ? null : t.resolutionDueAt,
        })),
        input.end,
      ),
    },
    reopened: input.reopened,
    mergedDuplicates: inScope.length - tickets.length,
    topColonias: countBy(coloniaKeys, displayColonia).slice(0, TOP_COLONIAS),
  };
  return { ...report, summary: input.summary(report) };
}

/** Open at the month end (still being worked on). */
export function openCount(report: Pick<MonthlyReport, 'statusAtMonthEnd'>): number {
  return report.statusAtMonthEnd.filter((r) => OPEN_STATUSES.includes(r.key as TicketStatus)).reduce((n, r) => n + r.count, 0);
}
