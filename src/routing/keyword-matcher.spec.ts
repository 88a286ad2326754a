import { SEED_ROUTING_RULES } from '../../migrations/1764500000000-RoutingRulesAndSlaNotifications';
import { keywordOccurs, KeywordRule, suggestCategory, withinOneEdit } from './keyword-matcher';
import { normalizeText } from './normalize-text';

// the seeded rules, with the category code standing in for its id
const RULES: KeywordRule[] = SEED_ROUTING_RULES.map(([keyword, category, weight], i) => ({
  id: String(i),
  keyword,
  kind: category ? 'category' : 'transparency',
  categoryId: category,
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
  it('tolerates one typo only in words of five or more letters', () => {
    expect(keywordOccurs('luminaria', tokens('la luminarea no sirve'))).toBe(true);
    expect(keywordOccurs('poda', tokens('pida'))).toBe(false);
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

  it('adds the weights of several keywords of one category', () => {
    const s = suggestCategory('Fuga en la tubería, se tira el agua', RULES);
    expect(s.categoryId).toBe('fuga-de-agua');
    expect(s.score).toBe(2 + 2 + 1 + 2);
  });
});
