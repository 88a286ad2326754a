import { SEED_ROUTING_RULES } from '../../migrations/1764500000000-RoutingRulesAndSlaNotifications';
import { COMMON_WORDS, keywordOccurs, KeywordRule, singularForms, spellingKey, suggestCategory, withinOneEdit } from './keyword-matcher';
import { normalizeText } from './normalize-text';

// the seeded rules, with the category code standing in for its id
const RULES: KeywordRule[] = SEED_ROUTING_RULES.map(([keyword, category, weight], i) => ({
  id: String(i),
  keyword,
  kind: category ? 'category' : 'transparency',
  categoryId: category,
  categoryCode: category,
  weight,
}));

describe('normalizeText', () => {
  it('removes accents, case and punctuation', () => {
    expect(normalizeText('¡No hay LUZ en la calle Álvaro Obregón!')).toBe('no hay luz en la calle alvaro obregon');
    expect(normalizeText('Peñasco,  ÑANDÚ')).toBe('penasco nandu');
  });
});

describe('withinOneEdit', () => {
  it.each([
    ['luminaria', 'luminarea', true],
    ['basura', 'vasura', true],
    ['drenaje', 'drenage', true],
    ['alumbrado', 'alunbrado', true],
    ['parque', 'parques', true],
    ['bache', 'bache', true],
    ['luminaria', 'luminosa', false],
    ['ruido', 'rudos', false],
    ['luminaria', 'luminaira', true], // two neighbours swapped
    ['alumbrado', 'alumbrdo', true],
    ['parque', 'paqreu', false],
  ])('%s ~ %s → %s', (a, b, expected) => {
    expect(withinOneEdit(a, b)).toBe(expected);
  });
});

describe('keywordOccurs', () => {
  const tokens = (s: string) => normalizeText(s).split(' ');
  it('matches whole words and phrases, not parts of words', () => {
    expect(keywordOccurs('no hay luz', tokens('Oiga, NO HAY LUZ en mi calle'))).toBe(true);
    expect(keywordOccurs('no hay luz', tokens('no hay nada de luz'))).toBe(false);
    expect(keywordOccurs('poda', tokens('apodaca'))).toBe(false);
    expect(keywordOccurs('fug*', tokens('se fugó el agua'))).toBe(true);
    expect(keywordOccurs('fug*', tokens('refugio'))).toBe(false);
  });
  it('tolerates one typo only when both words have six or more letters', () => {
    expect(keywordOccurs('luminaria', tokens('la luminarea no sirve'))).toBe(true);
    expect(keywordOccurs('luminaria', tokens('la luminaira no sirve'))).toBe(true);
    expect(keywordOccurs('alumbrado', tokens('el alumbrdo de la calle'))).toBe(true);
    expect(keywordOccurs('poda', tokens('pida'))).toBe(false);
    // real words one letter away from a short keyword
    expect(keywordOccurs('perro', tokens('pero nadie vino'))).toBe(false);
    expect(keywordOccurs('podar', tokens('para poder salir'))).toBe(false);
    expect(keywordOccurs('gatos', tokens('mis datos y los gastos'))).toBe(false);
  });
  it('never reads a common Spanish word as a typo of a keyword', () => {
    expect(keywordOccurs('parque', tokens('porque nadie viene'))).toBe(false);
    expect(keywordOccurs('asfalto', tokens('hubo un asalto'))).toBe(false);
    expect(keywordOccurs('asfalto', tokens('hubo asaltos'))).toBe(false);
    expect(keywordOccurs('desechos', tokens('mis derechos'))).toBe(false);
    expect(keywordOccurs('apagada', tokens('la factura pagada'))).toBe(false);
    expect(keywordOccurs('mordida', tokens('lo ha mordido'))).toBe(false);
    expect(keywordOccurs('camion', tokens('el camino'))).toBe(false);
    expect(keywordOccurs('bocinas', tokens('las cocinas'))).toBe(false);
    for (const w of COMMON_WORDS) expect(normalizeText(w)).toBe(w);
  });
  it('takes b/v, s/z/c, y/ll and j/g spelling slips as the same word', () => {
    expect(spellingKey('vache')).toBe(spellingKey('bache'));
    expect(keywordOccurs('bache', tokens('un vache'))).toBe(true);
    expect(keywordOccurs('drenaje', tokens('el drenage'))).toBe(true);
    expect(keywordOccurs('alcantarilla', tokens('la alcantariya'))).toBe(true);
    expect(keywordOccurs('azolve', tokens('asolve'))).toBe(true);
  });
  it('matches the singular and the plural of a word (-s, -es, -ces → z)', () => {
    expect(singularForms('luces')).toContain('luz');
    expect(singularForms('arboles')).toContain('arbol');
    expect(singularForms('baches')).toContain('bache');
    expect(singularForms('tres')).toEqual(['tres', 'tre']);
    expect(keywordOccurs('bache', tokens('muchos baches'))).toBe(true);
    expect(keywordOccurs('baches', tokens('un bache'))).toBe(true);
    expect(keywordOccurs('sin luz', tokens('la calle esta sin luces'))).toBe(true);
    expect(keywordOccurs('foco fundido', tokens('los focos fundidos'))).toBe(true);
    expect(keywordOccurs('arbol', tokens('arboles caidos'))).toBe(true);
  });
});

describe('suggestCategory on real-sounding complaints', () => {
  it.each([
    ['No hay luz en la calle desde hace tres días', 'luminaria-apagada'],
    ['LUMINARIA APAGADA frente a la primaria Benito Juárez', 'luminaria-apagada'],
    ['la lampara del poste AP-10231 esta fundida', 'luminaria-apagada'],
    ['La luminarea de mi cuadra no prende', 'luminaria-apagada'],
    ['Bache enorme en Av. Salvador Nava, ya se cayó un motociclista', 'bache'],
    ['hay un vache muy grande en la esquina de Reforma', 'bache'],
    ['Se hizo un socavón en la calle Independencia', 'bache'],
    ['Se fugó el agua toda la noche en la calle Zaragoza', 'fuga-de-agua'],
    ['Fuga de agua potable en la banqueta, lleva una semana tirándose', 'fuga-de-agua'],
    ['Llevamos 4 dias sin agua en la colonia Satélite', 'fuga-de-agua'],
    ['La coladera está tapada y salen aguas negras', 'drenaje'],
    ['el drenage se desborda cada que llueve', 'drenaje'],
    ['No pasó el camión de la basura en toda la semana', 'basura-no-recolectada'],
    ['Vasura acumulada en la esquina, ya huele muy mal', 'basura-no-recolectada'],
    ['Solicito la poda de un árbol que toca los cables', 'poda-parque'],
    ['El parque de la colonia está lleno de ramas caídas', 'poda-parque'],
    ['Los vecinos tienen música a todo volumen y bocinas hasta las 4 am, mucho ruido', 'ruido'],
    ['Hay un perrito abandonado y herido afuera del mercado', 'animal-abandonado'],
    ['Vendedores ambulantes invaden la banqueta en el centro', 'comercio-via-publica'],
    ['El funcionario de ventanilla fue muy grosero y prepotente conmigo', 'queja-servidor-publico'],
  ])('%s → %s', (text, expected) => {
    const s = suggestCategory(text, RULES);
    expect(s.transparency).toBe(false);
    expect(s.categoryId).toBe(expected);
    expect(s.matched.length).toBeGreaterThan(0);
  });

  it.each([
    'Solicitud de información pública sobre el presupuesto de obras 2026',
    'Quiero hacer una solicitud de informacion publica',
    'TRANSPARENCIA: ¿cuánto costó la remodelación del parque?',
  ])('flags a transparency request instead of routing it: %s', (text) => {
    const s = suggestCategory(text, RULES);
    expect(s.transparency).toBe(true);
    expect(s.categoryId).toBeNull();
    expect(s.transparencyMatched.length).toBeGreaterThan(0);
  });

  it('suggests nothing for a text with no keyword', () => {
    expect(suggestCategory('Buenas tardes, quisiera felicitar al presidente municipal', RULES)).toEqual({
      categoryId: null,
      score: 0,
      matched: [],
      transparency: false,
      transparencyMatched: [],
    });
  });

  it('adds the weights of several keywords of one category, each text word counted once', () => {
    const s = suggestCategory('Fuga en la tubería, se tira el agua', RULES);
    expect(s.categoryId).toBe('fuga-de-agua');
    // fug*, tuberia, "se tira el agua" — `agua` is inside that phrase and does not count again
    expect(s.score).toBe(2 + 2 + 2);
    expect(s.matched).toEqual(['fug*', 'tuberia', 'se tira el agua']);
  });

  it.each([
    // one word, one vote: not `bache` and `baches`, not `poda` and `podar`, not `perro` and `perros`
    ['Hay muchos baches en la calle Reforma', 'bache', 3, ['baches']],
    ['Solicito poda en mi calle', 'poda-parque', 3, ['poda']],
    ['Un perro suelto en la calle', 'animal-abandonado', 2, ['perro']],
    ['La luminaira de la esquina', 'luminaria-apagada', 3, ['luminaria']],
    ['Los focos fundidos de la calle Hidalgo', 'luminaria-apagada', 2, ['foco fundido']],
    ['La calle está sin luces desde el lunes', 'luminaria-apagada', 2, ['sin luz']],
    ['Salen aguas negras de la alcantarilla', 'drenaje', 3 + 3, ['aguas negras', 'alcantarilla']],
  ])('%s → %s (%d)', (text, category, score, matched) => {
    expect(suggestCategory(text, RULES)).toMatchObject({ categoryId: category, score, matched });
  });

  it.each([
    // common words one letter from a keyword (the review's examples and more)
    ['No tenemos agua desde ayer, pero nadie nos dice nada', 'fuga-de-agua'],
    ['Necesito poder salir de mi casa, la calle está bloqueada', null],
    ['Quiero actualizar mis datos de contacto', null],
    ['¿En qué se usan los gastos del municipio?', null],
    ['Hubo un asalto en la esquina de mi casa', null],
    ['Exijo que respeten mis derechos', null],
    ['Ya tengo la factura pagada', null],
    ['No pasan porque dicen que el camino está feo', null],
  ])('does not take common words for keywords: %s → %s', (text, expected) => {
    expect(suggestCategory(text, RULES).categoryId).toBe(expected);
  });

  it('breaks ties by category code, whatever the order of the rules', () => {
    const rules: KeywordRule[] = [
      { id: '1', keyword: 'tapado', kind: 'category', categoryId: 'uuid-z', categoryCode: 'drenaje', weight: 2 },
      { id: '2', keyword: 'tapada', kind: 'category', categoryId: 'uuid-a', categoryCode: 'zanja', weight: 2 },
    ];
    // "tapado" and "tapada": same score, same keyword length → the smaller code, drenaje
    expect(suggestCategory('la calle tapado y tapada', rules).categoryId).toBe('uuid-z');
    expect(suggestCategory('la calle tapado y tapada', [...rules].reverse()).categoryId).toBe('uuid-z');
    // one word matching rules of two categories votes once: exact before typo
    expect(suggestCategory('tapado', rules)).toMatchObject({ categoryId: 'uuid-z', matched: ['tapado'], score: 2 });
    expect(suggestCategory('tapada', [...rules].reverse())).toMatchObject({ categoryId: 'uuid-a', matched: ['tapada'], score: 2 });
  });

  it('gives the same answer for the seeded rules in any order (they are stored with one creation time)', () => {
    // `poste` (Alumbrado, 1) and `pasto` (Parques, 1): same score, same length → the smaller code
    const text = 'El poste de la esquina está tirado en el pasto';
    expect(suggestCategory(text, RULES).categoryId).toBe('luminaria-apagada');
    expect(suggestCategory(text, [...RULES].reverse()).categoryId).toBe('luminaria-apagada');
    for (const t of ['Hay un perro muerto junto al parque', 'Música y fiesta con bocinas, y basura tirada', 'árbol caído sobre el poste de luz']) {
      expect(suggestCategory(t, [...RULES].reverse())).toEqual(suggestCategory(t, RULES));
    }
  });
});
