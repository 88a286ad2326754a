import { buildMonthlyReport, median, percentile, type ReportTicket } from './monthly-report';
import { csvCell, escapeHtml, reportToCsv, reportToHtml } from './report-formats';
import { joinEs, summarize } from './report-summary';

const H = 3_600_000;
const start = new Date('2026-03-01T06:00:00.000Z');
const end = new Date('2026-04-01T06:00:00.000Z');
const at = (h: number) => new Date(start.getTime() + h * H);

function ticket(over: Partial<ReportTicket>): ReportTicket {
  return {
    channel: 'email',
    forwarded: false,
    categoryName: 'Bache',
    areaName: 'Obras Públicas',
    colonia: null,
    statusAtMonthEnd: 'new',
    createdAt: at(0),
    firstRespondedAt: null,
    resolvedAt: null,
    mergedDuplicate: false,
    firstResponseDueAt: at(120),
    resolutionDueAt: at(960),
    ...over,
  };
}

const build = (tickets: ReportTicket[], scope: 'all' | 'social' = 'all', reopened = 0) =>
  buildMonthlyReport({ month: '2026-03', timeZone: 'America/Mexico_City', scope, start, end, tickets, reopened, summary: summarize });

describe('median and percentile', () => {
  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([2, 4, 24, 240])).toBe(14);
    expect(median([])).toBeNull();
  });
  it('nearest-rank p90', () => {
    expect(percentile([2, 4, 24, 240], 90)).toBe(240);
    expect(percentile(Array.from({ length: 10 }, (_, i) => i + 1), 90)).toBe(9);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 90)).toBeNull();
  });
});

describe('buildMonthlyReport', () => {
  it('counts what was met, missed and still pending at the month end', () => {
    const r = build([
      ticket({ firstRespondedAt: at(10) }), // met
      ticket({ firstRespondedAt: at(200) }), // missed
      ticket({ createdAt: at(100), firstResponseDueAt: at(220) }), // not answered, due passed → missed
      ticket({ createdAt: at(700), firstResponseDueAt: new Date(end.getTime() + 10 * H) }), // pending
      ticket({ categoryName: null, firstResponseDueAt: null, resolutionDueAt: null }), // no target
    ]);
    expect(r.withinTarget.firstResponse).toEqual({ met: 1, missed: 2, pending: 1, share: 1 / 3 });
    expect(r.firstResponse).toEqual({ count: 2, medianHours: 105, p90Hours: 200 });
    expect(r.byCategory).toEqual([
      { key: 'Bache', label: 'Bache', count: 4 },
      { key: 'Sin categoría', label: 'Sin categoría', count: 1 },
    ]);
  });

  it('measures resolution only on tickets resolved or closed at the month end', () => {
    const r = build([
      ticket({ statusAtMonthEnd: 'closed', resolvedAt: at(48) }),
      ticket({ statusAtMonthEnd: 'in_progress', resolvedAt: at(24) }), // resolved then reopened
      ticket({ statusAtMonthEnd: 'rejected' }),
    ]);
    expect(r.resolution).toEqual({ count: 1, medianHours: 48, p90Hours: 48 });
    expect(r.withinTarget.resolution).toEqual({ met: 1, missed: 0, pending: 1, share: 1 });
  });

  it('groups colonias without accents or case and shows the most frequent spelling', () => {
    const r = build([
      ticket({ colonia: 'Tequisquiapan' }),
      ticket({ colonia: 'tequisquiapan ' }),
      ticket({ colonia: 'Tequisquiapan' }),
      ticket({ colonia: 'Barrio de San Miguelito' }),
      ticket({ colonia: 'barrio de san  miguelito' }),
      ticket({ colonia: 'Centro' }),
    ]);
    expect(r.topColonias).toEqual([
      { key: 'tequisquiapan', label: 'Tequisquiapan', count: 3 },
      { key: 'barrio de san miguelito', label: 'Barrio de San Miguelito', count: 2 },
      { key: 'centro', label: 'Centro', count: 1 },
    ]);
  });

  it('counts merged duplicates apart and leaves them out of every other figure', () => {
    const dup = (over: Partial<ReportTicket>) =>
      ticket({ mergedDuplicate: true, statusAtMonthEnd: 'rejected', firstRespondedAt: at(1), categoryName: 'Ruido', colonia: 'Centro', ...over });
    const r = build([
      ticket({ statusAtMonthEnd: 'resolved', firstRespondedAt: at(10), resolvedAt: at(20), colonia: 'Tequisquiapan' }),
      dup({}),
      dup({ channel: 'whatsapp' }),
    ]);
    expect(r.mergedDuplicates).toBe(2);
    expect(r.received.total).toBe(1);
    expect(r.received.byOrigin).toEqual({ email: 1, social: 0, forwarded: 0, capture: 0 });
    expect(r.received.byChannel).toEqual([{ key: 'email', label: 'Correo institucional', count: 1 }]);
    expect(r.byCategory).toEqual([{ key: 'Bache', label: 'Bache', count: 1 }]);
    expect(r.byArea).toEqual([{ key: 'Obras Públicas', label: 'Obras Públicas', count: 1 }]);
    expect(r.statusAtMonthEnd.find((s) => s.key === 'rejected')!.count).toBe(0);
    expect(r.firstResponse).toEqual({ count: 1, medianHours: 10, p90Hours: 10 });
    expect(r.withinTarget.firstResponse).toEqual({ met: 1, missed: 0, pending: 0, share: 1 });
    expect(r.topColonias).toEqual([{ key: 'tequisquiapan', label: 'Tequisquiapan', count: 1 }]);
    expect(r.summary).toBe(
      'Durante marzo de 2026 se recibió 1 reporte ciudadano por correo institucional. ' +
        'Además se recibieron 2 reportes duplicados, que se fusionaron con los reportes originales y no se incluyen en estas cifras. ' +
        'El tema más frecuente fue bache (1). Al cierre del mes, 1 había sido atendido. ' +
        'El 100% de los reportes con plazo cumplido o vencido recibió primera respuesta a tiempo y el 100% se atendió dentro del plazo establecido. ' +
        'La colonia con más reportes fue Tequisquiapan (1).',
    );
    // the press office's part counts its own duplicates only
    expect(build([dup({}), dup({ channel: 'whatsapp' })], 'social').mergedDuplicates).toBe(1);
    expect(build([dup({ channel: 'whatsapp' })], 'social').summary).toBe(
      'Durante marzo de 2026 no se recibieron reportes ciudadanos nuevos por redes sociales; se recibió 1 reporte duplicado, que se fusionó con el reporte original.',
    );
  });

  it('keeps only social networks and forwarded messages for the press scope', () => {
    const r = build([ticket({ channel: 'whatsapp' }), ticket({ channel: 'x', forwarded: true }), ticket({ channel: 'phone' }), ticket({ channel: 'other' }), ticket({})], 'social');
    expect(r.received.total).toBe(2); // 'other' captured by an agent (a letter, say) is not social media
    expect(r.received.byOrigin).toEqual({ email: 0, social: 1, forwarded: 1, capture: 0 });
    expect(r.summary).toBe(
      'Durante marzo de 2026 se recibieron 2 reportes ciudadanos por redes sociales, de los cuales 1 fue reenviado por la Dirección de Comunicación Social. ' +
        'El tema más frecuente fue bache (2). Al cierre del mes, 2 seguían en proceso. ' +
        'El 0% de los reportes con plazo cumplido o vencido recibió primera respuesta a tiempo.',
    );
  });
});

describe('summary paragraph', () => {
  it('says so when nothing arrived', () => {
    expect(build([]).summary).toBe('Durante marzo de 2026 no se recibieron reportes ciudadanos.');
  });
  it('agrees in number for a single report', () => {
    expect(build([ticket({ statusAtMonthEnd: 'resolved', resolvedAt: at(5), firstRespondedAt: at(1) })]).summary).toBe(
      'Durante marzo de 2026 se recibió 1 reporte ciudadano por correo institucional. El tema más frecuente fue bache (1). ' +
        'Al cierre del mes, 1 había sido atendido. El 100% de los reportes con plazo cumplido o vencido recibió primera respuesta a tiempo ' +
        'y el 100% se atendió dentro del plazo establecido.',
    );
  });
  it('breaks the total down by origin, with the forwarded ones', () => {
    const r = build(
      [
        ticket({ channel: 'whatsapp', colonia: 'Centro', statusAtMonthEnd: 'rejected' }),
        ticket({ channel: 'x', forwarded: true, colonia: 'Centro' }),
        ticket({ channel: 'email', categoryName: 'Ruido' }),
        ticket({ channel: 'phone', categoryName: 'Ruido' }),
        ticket({ channel: 'walk_in', categoryName: 'Luminaria apagada' }),
      ],
      'all',
      2,
    );
    expect(r.summary).toBe(
      'Durante marzo de 2026 se recibieron 5 reportes ciudadanos por redes sociales, correo institucional y atención telefónica y presencial, ' +
        'de los cuales 2 llegaron por redes sociales (1 reenviado por la Dirección de Comunicación Social), 1 por correo institucional ' +
        'y 2 fueron captados por teléfono o en ventanilla. Los temas más frecuentes fueron bache (2), ruido (2) y luminaria apagada (1). ' +
        'Al cierre del mes, 1 no procedió y 4 seguían en proceso. El 0% de los reportes con plazo cumplido o vencido recibió primera respuesta a tiempo. ' +
        'Se reabrieron 2 reportes. La colonia con más reportes fue Centro (2).',
    );
  });
  it('joins lists the Spanish way', () => {
    expect(joinEs(['a'])).toBe('a');
    expect(joinEs(['a', 'b'])).toBe('a y b');
    expect(joinEs(['a', 'b', 'c'])).toBe('a, b y c');
  });
});

describe('formats', () => {
  it('neutralises spreadsheet formulas and quotes CSV cells', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('Centro, SLP')).toBe('"Centro, SLP"');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });
  it('escapes citizen text in the HTML and loads nothing from outside', () => {
    const r = build([ticket({ colonia: '<script>alert(1)</script>' })]);
    const html = reportToHtml(r);
    expect(html).not.toContain('<script>');
    expect(html).toContain(escapeHtml('<script>alert(1)</script>'));
    expect(html).not.toMatch(/<(link|img|script)\b|url\(|@import|https?:\/\//i);
    expect(reportToCsv(r).startsWith('\uFEFFsection,key,label,value\r\n')).toBe(true);
  });
  it('shows the merged duplicates in the CSV and the HTML, with their Spanish label', () => {
    const r = build([ticket({}), ticket({ mergedDuplicate: true, statusAtMonthEnd: 'rejected' })]);
    expect(reportToCsv(r)).toContain('\r\nreceived,total,Reportes recibidos,1\r\nmerged_duplicates,count,Duplicados fusionados (no incluidos en las demás cifras),1\r\n');
    expect(reportToHtml(r)).toContain('<th scope="row">Duplicados fusionados (no incluidos en las demás cifras)</th><td data-figure="merged_duplicates.count">1</td>');
  });
});
