import { stripQuotedText } from './quoted-text';

describe('stripQuotedText', () => {
  it.each([
    ['Gmail (es)', 'Sigue sin luz la calle.\n\nEl jue, 20 nov 2025 a las 10:15, Enlace Ciudadano <n@sanluis.gob.mx> escribió:\n> Su reporte fue recibido\n> Folio SLP-2025-000001'],
    ['Gmail (es, wrapped attribution)', 'Sigue sin luz la calle.\n\nEl jue, 20 nov 2025 a las 10:15, Enlace Ciudadano de San Luis Potosí\n<notificaciones@sanluis.gob.mx> escribió:\n\n> Su reporte fue recibido'],
    ['Apple Mail (es)', 'Sigue sin luz la calle.\n\nEnviado desde mi iPhone\n\nEl 20 nov 2025, a las 10:15, Enlace Ciudadano <n@sanluis.gob.mx> escribió:\n\n> Su reporte fue recibido'],
    ['Outlook (es)', 'Sigue sin luz la calle.\n\n________________________________\nDe: Enlace Ciudadano <n@sanluis.gob.mx>\nEnviado: jueves, 20 de noviembre de 2025 10:15\nPara: maria@correo.mx\nAsunto: Su reporte'],
    ['Outlook (es, no rule)', 'Sigue sin luz la calle.\n\nDe: Enlace Ciudadano <n@sanluis.gob.mx>\nEnviado el: jueves, 20 de noviembre de 2025 10:15\nAsunto: Su reporte'],
    ['Outlook (en)', 'Sigue sin luz la calle.\n\nFrom: Enlace Ciudadano <n@sanluis.gob.mx>\nSent: Thursday, November 20, 2025 10:15 AM\nTo: maria@correo.mx'],
    ['English', 'Sigue sin luz la calle.\n\nOn Thu, Nov 20, 2025 at 10:15 AM Enlace Ciudadano <n@sanluis.gob.mx> wrote:\n> Your report'],
    ['original message', 'Sigue sin luz la calle.\n\n-----Mensaje original-----\nDe: Enlace'],
    ['bare quote block', 'Sigue sin luz la calle.\n> Su reporte fue recibido\n> Folio SLP-2025-000001'],
  ])('%s', (_, text) => {
    expect(stripQuotedText(text)).toMatch(/^Sigue sin luz la calle\.(\n\nEnviado desde mi iPhone)?$/);
  });

  it('keeps a message without quotes as it is (CRLF normalised)', () => {
    expect(stripQuotedText('Hay un bache.\r\nGracias.\r\n')).toBe('Hay un bache.\nGracias.');
  });

  it('keeps the text when the whole mail is a quote', () => {
    expect(stripQuotedText('> solo cita\n> nada más')).toBe('> solo cita\n> nada más');
  });

  it('does not cut at an ordinary sentence starting with "El"', () => {
    expect(stripQuotedText('El bache sigue ahí.\nEl vecino escribió una carta.')).toBe('El bache sigue ahí.\nEl vecino escribió una carta.');
  });
});
