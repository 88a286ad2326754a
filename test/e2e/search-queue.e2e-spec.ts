import { startTestApp, TestApp } from '../support/test-app';

/**
 * The queue's `q` (GET /api/v1/tickets): a folio typed without its prefix or its zeros, Spanish
 * singular/plural and accented/unaccented forms of a word, and a citizen's email or phone.
 */
describe('ticket queue search (q)', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  const capture = async (subject: string, description: string, citizen?: Record<string, string>) =>
    (await t.http().post('/api/v1/tickets').set(agent).send({ subject, description, channel: 'phone', ...(citizen ? { citizen } : {}) }).expect(201)).body as {
      folio: string;
      citizen: { id: string } | null;
    };
  const search = async (q: string) =>
    ((await t.http().get('/api/v1/tickets').query({ q, limit: 100 }).set(agent).expect(200)).body.items as Array<{ folio: string }>).map((i) => i.folio).sort();
  const idOf = async (folio: string) => String((await t.db.query(`SELECT id FROM tickets WHERE folio = $1`, [folio]))[0].id);
  const threadMessage = async (folio: string, text: string) =>
    t.db.query(`INSERT INTO messages (ticket_id, direction, channel, body_text, public) VALUES ($1, 'inbound', 'phone', $2, true)`, [await idOf(folio), text]);

  it('finds a folio typed without its prefix, without its zeros, in any case or with #', async () => {
    const { folio } = await capture('Bache en Himno Nacional', 'Un bache profundo frente a la tienda');
    await capture('Otro bache', 'En la esquina');
    const [, year, number] = /^SLP-(\d{4})-(\d{6})$/.exec(folio)!;
    const short = String(Number(number));
    for (const q of [folio, folio.toLowerCase(), `#${folio}`, `${year}-${number}`, `${year}-${short}`, `SLP-${year}-${short}`, `slp-${year}-${short}`, `#${year}-${short}`, number]) {
      expect({ q, found: await search(q) }).toEqual({ q, found: [folio] });
    }
    expect(await search(`${year}-999999`)).toEqual([]);
  });

  it('finds singular and plural, with or without accents, in the ticket and in its thread', async () => {
    const flood = await capture('Inundaciones en la calle', 'El agua entra a las casas de la cuadra');
    const repair = await capture('Banqueta levantada', 'Piden la reparación urgente de la banqueta');
    const install = await capture('Instalación de luminarias', 'Faltan postes en el andador');
    const pipe = await capture('Tubería rota', 'Sale agua limpia desde anoche');
    const thread = await capture('Queja por el sótano', 'Sin más detalle');
    await threadMessage(thread.folio, 'Volvió a haber inundación en el sótano y nadie vino');
    const unaccented = await capture('Reporte sin acentos', 'hubo una inundacion y la instalacion electrica fallo');

    const floods = [flood.folio, thread.folio, unaccented.folio].sort();
    expect(await search('inundación')).toEqual(floods);
    expect(await search('inundacion')).toEqual(floods);
    expect(await search('inundaciones')).toEqual(floods);
    expect(await search('INUNDACIONES')).toEqual(floods);
    expect(await search('reparaciones')).toEqual([repair.folio]);
    expect(await search('reparacion')).toEqual([repair.folio]);
    expect(await search('instalaciones')).toEqual([install.folio, unaccented.folio].sort());
    expect(await search('tuberias')).toEqual([pipe.folio]);
    expect(await search('tuberías')).toEqual([pipe.folio]);
    // AND across words, phrases and exclusions as websearch_to_tsquery reads them
    expect(await search('inundaciones calle')).toEqual([flood.folio]);
    expect(await search('"inundación en la calle"')).toEqual([flood.folio]);
    expect(await search('"calle inundación"')).toEqual([]);
    expect(await search('inundaciones -calle')).toEqual([thread.folio, unaccented.folio].sort());
    expect(await search('inundaciones or tuberia')).toEqual([...floods, pipe.folio].sort());
  });

  it("lists a citizen's tickets for their email or phone as agents type it, across a merge", async () => {
    const a1 = await capture('Fuga en la toma', 'Fuga de agua en la toma domiciliaria', { name: 'Rosa Martínez', email: 'rosa.martinez@correo.mx', phone: '444 123 4567' });
    const a2 = await capture('Poda de árbol', 'Ramas sobre los cables', { email: 'rosa.martinez@correo.mx' });
    const other = await capture('Ruido nocturno', 'Fiesta todas las noches', { name: 'Juan Pérez', email: 'juan.perez@correo.mx', phone: '4449876543' });
    const rosa = [a1.folio, a2.folio].sort();
    for (const q of ['rosa.martinez@correo.mx', ' Rosa.Martinez@Correo.MX ', '444 123 4567', '(444) 123-4567', '+52 444 123 4567', '4441234567', '+52 1 444 123 4567']) {
      expect({ q, found: await search(q) }).toEqual({ q, found: rosa });
    }
    expect(await search('juan.perez@correo.mx')).toEqual([other.folio]);
    expect(await search('(444) 987-6543')).toEqual([other.folio]);
    expect(await search('nadie@correo.mx')).toEqual([]);

    // Juan's record merged into Rosa's: either contact lists the person's tickets
    await t.http().post(`/api/v1/citizens/${other.citizen!.id}/merge`).set(agent).send({ intoCitizenId: a1.citizen!.id }).expect(200);
    const all = [...rosa, other.folio].sort();
    expect(await search('juan.perez@correo.mx')).toEqual(all);
    expect(await search('444 123 4567')).toEqual(all);
    // a contact still on the merged-away record (as a racing intake can leave it) is followed
    await t.db.query(`INSERT INTO citizen_identities (citizen_id, kind, value) VALUES ($1, 'whatsapp', '+524445550000')`, [other.citizen!.id]);
    expect(await search('444 555 0000')).toEqual(all);
  });
});
