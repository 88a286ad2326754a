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

describe('stripQuotedText: bottom-posted and interleaved replies', () => {
  it('keeps what the citizen wrote under the quote and drops the attribution', () => {
    const text = 'El lun, 3 nov 2025 a las 10:00, Enlace <n@x.mx> escribió:\n> Su reporte fue atendido.\n> ¿Sigue el problema?\n\nNo, el bache sigue igual.';
    expect(stripQuotedText(text)).toBe('No, el bache sigue igual.');
  });

  it('keeps every answer between the quote blocks (Gmail, es)', () => {
    const text = [
      'El lun, 3 nov 2025 a las 10:00, Atención Ciudadana <n@sanluis.gob.mx> escribió:',
      '> ¿El bache sigue ahí?',
      '',
      'Sí, sigue ahí.',
      '',
      '> ¿Puede enviar una foto?',
      '',
      'Va adjunta.',
      '',
      'Saludos, María',
    ].join('\r\n');
    expect(stripQuotedText(text)).toBe('Sí, sigue ahí.\n\nVa adjunta.\n\nSaludos, María');
  });

  it('keeps the answers of an interleaved English reply', () => {
    const text = 'On Mon, Nov 3, 2025 at 10:00 AM Enlace Ciudadano <n@sanluis.gob.mx> wrote:\n> Is the light still off?\nYes, since Friday.\n> Which pole?\nThe one in front of number 120.';
    expect(stripQuotedText(text)).toBe('Yes, since Friday.\n\nThe one in front of number 120.');
  });

  it('keeps the text before and after a bare quote block', () => {
    expect(stripQuotedText('Hola.\n\n> Su reporte fue recibido\n> Folio SLP-2025-000001\n\nYa pasaron dos semanas.')).toBe('Hola.\n\nYa pasaron dos semanas.');
  });
});

describe('stripQuotedText: replies with nothing new', () => {
  it.each([
    ['Gmail (es)', 'El lun, 3 nov 2025 a las 10:00, Atención Ciudadana <n@sanluis.gob.mx> escribió:\n\n> Consulte el avance de su reporte:\n> https://enlace.sanluis.gob.mx/seguimiento/SLP-2025-000001?token=abc123\n'],
    ['Gmail (es), only blank lines above', '\n  \n\nEl lun, 3 nov 2025 a las 10:00, Atención Ciudadana <n@sanluis.gob.mx> escribió:\n> Su reporte fue recibido'],
    ['Apple Mail (es)', '> El 3 nov 2025, a las 10:00, Atención Ciudadana <n@sanluis.gob.mx> escribió:\n>\n> Su reporte fue recibido\n> https://enlace.sanluis.gob.mx/seguimiento/SLP-2025-000001?token=abc123'],
    ['Outlook (es)', '\r\n\r\n________________________________\r\nDe: Atención Ciudadana <n@sanluis.gob.mx>\r\nEnviado: lunes, 3 de noviembre de 2025 10:00\r\nAsunto: [SLP-2025-000001] Recibimos su reporte: Bache\r\n\r\nConsulte el avance: https://enlace.sanluis.gob.mx/seguimiento/SLP-2025-000001?token=abc123'],
  ])('is empty: %s', (_, text) => {
    expect(stripQuotedText(text)).toBe('');
  });
});

describe('stripQuotedText: forwards recognised from the body', () => {
  const report = 'Hay un bache enorme en la calle Zaragoza 120, ya se cayeron dos motos.';
  it.each([
    ['Gmail (en)', `Mira lo que me mandó mi vecina.\n\n---------- Forwarded message ---------\nFrom: Vecina <vecina@correo.mx>\nDate: Mon, Nov 3, 2025 at 10:00 AM\nSubject: Bache\nTo: Yo <yo@correo.mx>\n\n${report}`],
    ['Gmail (es)', `Les mando la queja de mi vecina.\n\n---------- Mensaje reenviado ---------\nDe: Vecina <vecina@correo.mx>\nDate: lun, 3 nov 2025 a las 10:00\nSubject: Bache\nTo: <yo@correo.mx>\n\n${report}`],
    // (the forwarded mail was itself an answer, with its own quote)
    ['Apple Mail (en)', `Please see below.\n\nBegin forwarded message:\n\nFrom: Vecina <vecina@correo.mx>\nSubject: Re: Bache\nDate: November 3, 2025 at 10:00:00 CST\n\n${report}\n\nOn Nov 2, 2025, at 9:00, Otro <o@correo.mx> wrote:\n\n> Did you report it?`],
    ['Apple Mail (es)', `Para su atención.\n\nInicio del mensaje reenviado:\n\nDe: Vecina <vecina@correo.mx>\nAsunto: Re: Bache\nFecha: 3 de noviembre de 2025, 10:00:00 CST\n\n${report}\n\n> El 2 nov 2025, a las 9:00, Otro <o@correo.mx> escribió:\n>\n> ¿Ya lo reportaste?`],
    ['a forwarded thread with its own reply quote', `Reenvío.\n\n---------- Forwarded message ---------\nFrom: Vecina <vecina@correo.mx>\n\n${report}\n\nEl lun, 3 nov 2025 a las 9:00, Otro <o@correo.mx> escribió:\n> ¿Ya lo reportaste?`],
  ])('keeps the whole text: %s', (_, text) => {
    expect(stripQuotedText(text)).toBe(text);
  });

  // the same block is a forward or a reply: the forward is kept whole, the reply still stripped
  const vecina = 'De: Vecina <vecina@correo.mx>\nEnviado el: lunes, 3 de noviembre de 2025 10:00\nPara: maria@correo.mx\nAsunto: Bache';
  const ours = 'De: Atención Ciudadana <n@sanluis.gob.mx>\nEnviado el: lunes, 3 de noviembre de 2025 10:00\nPara: maria@correo.mx\nAsunto: [SLP-2025-000001] Necesitamos información sobre su reporte: Bache';
  const statusLink = 'Consulte el avance: https://enlace.sanluis.gob.mx/seguimiento/SLP-2025-000001?token=abc123';

  it('"-----Mensaje original-----": a forward of someone else\'s mail, a reply over ours', () => {
    const forward = `Queja de mi vecina.\n\n-----Mensaje original-----\n${vecina}\n\n${report}`;
    expect(stripQuotedText(forward)).toBe(forward);
    expect(stripQuotedText(`Ya mandé la foto.\n\n-----Mensaje original-----\n${ours}\n\nEnvíe una foto del bache.`)).toBe('Ya mandé la foto.');
  });

  it('"-----Original Message-----": a reply when it quotes our status link', () => {
    const forward = `See below.\n\n-----Original Message-----\nFrom: Vecina <vecina@correo.mx>\nSent: Monday, November 3, 2025 10:00 AM\n\n${report}`;
    expect(stripQuotedText(forward)).toBe(forward);
    expect(stripQuotedText(`See below.\n\n-----Original Message-----\nFrom: notificaciones@sanluis.gob.mx\nSent: Monday, November 3, 2025 10:00 AM\n\n${statusLink}`)).toBe('See below.');
  });

  it('an Outlook header block introduced as a forward is kept, unless it is our notification', () => {
    const forward = `Les reenvío la queja de mi vecina.\n\n________________________________\n${vecina}\n\n${report}`;
    expect(stripQuotedText(forward)).toBe(forward);
    expect(stripQuotedText(`Les reenvío la foto que pidieron.\n\n________________________________\n${ours}\n\n${statusLink}`)).toBe('Les reenvío la foto que pidieron.');
  });

  it('a forward marker counts only above the history, not inside a quote', () => {
    const forward = `Mire esto.\n\n---------- Mensaje reenviado ---------\nDe: Vecina <vecina@correo.mx>\n\n${report}`;
    expect(stripQuotedText(forward)).toBe(forward);
    const reply = 'Mire esto.\n\nEl lun, 3 nov 2025 a las 10:00, Atención Ciudadana <n@sanluis.gob.mx> escribió:\n> ---------- Mensaje reenviado ---------\n> De: Vecina <vecina@correo.mx>';
    expect(stripQuotedText(reply)).toBe('Mire esto.');
  });
});

describe('stripQuotedText: Outlook web separator line', () => {
  it.each([
    ['dashes, Spanish header', `Sigue igual el bache.\n\n\n\n${'-'.repeat(80)}\nDe: Atención Ciudadana <n@sanluis.gob.mx>\nEnviado: jueves, 20 de noviembre de 2025 10:15\nPara: maria@correo.mx\nAsunto: Su reporte\n\nSu reporte fue atendido.`],
    ['dashes, English header after a blank line', `Sigue igual el bache.\r\n\r\n${'-'.repeat(80)}\r\n\r\nFrom: Enlace Ciudadano <n@sanluis.gob.mx>\r\nSent: Thursday, November 20, 2025 10:15 AM\r\nTo: maria@correo.mx\r\n`],
  ])('cuts at the separator over the header block: %s', (_, text) => {
    expect(stripQuotedText(text)).toBe('Sigue igual el bache.');
  });

  it('keeps a line of underscores that is not over a header block', () => {
    const text = 'Nombre del vecino afectado:\n____________________\nDomicilio: Zaragoza 120';
    expect(stripQuotedText(text)).toBe(text);
  });
});

describe('stripQuotedText: long attributions', () => {
  it.each([
    ['Gmail (es), three lines', 'Sigue igual.\n\nEl lun, 3 nov 2025 a las 10:00, Atención\nCiudadana <n@sanluis.gob.mx>\nescribió:\n> Su reporte fue atendido'],
    ['Gmail (en), three lines', 'Sigue igual.\n\nOn Mon, Nov 3, 2025 at 10:00 AM Atención\nCiudadana <n@sanluis.gob.mx>\nwrote:\n> Your report was resolved'],
    ['three lines, bottom-posted', 'El lun, 3 nov 2025 a las 10:00, Atención Ciudadana del H. Ayuntamiento\nde San Luis Potosí <notificaciones@sanluis.gob.mx>\nescribió:\n> Su reporte fue atendido\n\nSigue igual.'],
  ])('%s', (_, text) => {
    expect(stripQuotedText(text)).toBe('Sigue igual.');
  });

  it('does not take a two-line sentence of the citizen, without a date, for an attribution', () => {
    const text = 'Otra vez la basura.\nEl vecino de enfrente le\nescribió:\n> No tire basura\nY sigue tirando basura.';
    expect(stripQuotedText(text)).toBe(text);
  });
});
