import { buildRedactor, PLACEHOLDERS } from './redact-identifiers';

const r = buildRedactor({
  names: ['María José López'],
  emails: ['maria.lopez@correo.mx', 'otra-cuenta/x@dominio-mx.com'],
  phones: ['+524441234567'],
  handles: ['mariajl_slp'],
  platformIds: ['1234567890123'],
});

describe('buildRedactor', () => {
  it.each([
    ['Escribir a Maria.Lopez@Correo.MX por favor', `Escribir a ${PLACEHOLDERS.email} por favor`],
    ['<a href="mailto:maria.lopez@correo.mx">x</a>', `<a href="mailto:${PLACEHOLDERS.email}">x</a>`],
    ['y otra-cuenta/x@dominio-mx.com', `y ${PLACEHOLDERS.email}`],
    ['Tel. 444 123 4567.', `Tel. ${PLACEHOLDERS.phone}.`],
    ['Tel. (444) 123-4567', `Tel. ${PLACEHOLDERS.phone}`],
    ['llamar al +52 1 444 123 4567', `llamar al ${PLACEHOLDERS.phone}`],
    ['whatsapp 524441234567', `whatsapp ${PLACEHOLDERS.phone}`],
    ['folio 94441234567890 no es teléfono', 'folio 94441234567890 no es teléfono'],
    ['Soy María José López, vecina', `Soy ${PLACEHOLDERS.name}, vecina`],
    ['soy MARIA JOSE LOPEZ', `soy ${PLACEHOLDERS.name}`],
    ['Atentamente, María', `Atentamente, ${PLACEHOLDERS.name}`],
    ['Sra. López', `Sra. ${PLACEHOLDERS.name}`],
    ['Mar&iacute;a L&oacute;pez', `${PLACEHOLDERS.name} ${PLACEHOLDERS.name}`],
    ['maria.lopez&#64;correo.mx', PLACEHOLDERS.email],
    ['de @mariajl_slp en X', `de ${PLACEHOLDERS.handle} en X`],
    ['id 1234567890123 de Messenger', `id ${PLACEHOLDERS.platformId} de Messenger`],
    ['José de la Rosa no es ella', `${PLACEHOLDERS.name} de la Rosa no es ella`],
    ['Lopezville y Josefa quedan', 'Lopezville y Josefa quedan'],
    ['Bache en la calle Hidalgo', 'Bache en la calle Hidalgo'],
  ])('%p → %p', (input, output) => {
    expect(r.text(input)).toBe(output);
  });

  it('redacts strings inside JSON, keeping keys and other values', () => {
    expect(r.json({ from: 'maria.lopez@correo.mx', n: 3, list: ['María', null], nested: { ok: true } })).toEqual({
      from: PLACEHOLDERS.email,
      n: 3,
      list: [PLACEHOLDERS.name, null],
      nested: { ok: true },
    });
  });

  it('keeps null and empty values', () => {
    expect(r.textOrNull(null)).toBeNull();
    expect(r.text('')).toBe('');
  });

  it('with no identifiers changes nothing', () => {
    const none = buildRedactor({ names: [], emails: [], phones: [], handles: [], platformIds: [] });
    expect(none.text('María 444 123 4567')).toBe('María 444 123 4567');
  });
});
