import { jsonDepthVerifier, jsonNestsDeeperThan, MAX_JSON_DEPTH, RequestBodyError } from './json-depth';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('jsonNestsDeeperThan', () => {
  it('counts arrays and objects together, up to the limit inclusive', () => {
    expect(jsonNestsDeeperThan(bytes('{"a":[{"b":[1]}]}'), 4)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('{"a":[{"b":[1]}]}'), 3)).toBe(true);
    expect(jsonNestsDeeperThan(bytes('[[],[],[[]]]'), 3)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('[[],[],[[]]]'), 2)).toBe(true);
    expect(jsonNestsDeeperThan(bytes('1'), 0)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(''), 0)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes and backslashes included', () => {
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ a: '[[[[{{{{' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ a: 'comillas "[[[" y \\ barra [[' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ a: '\\', b: [[1]] })), 2)).toBe(true);
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ a: '\\"', b: [[1]] })), 2)).toBe(true);
  });

  it('reads UTF-8 bytes and strings alike (multi-byte sequences hold no ASCII byte)', () => {
    const text = JSON.stringify({ nombre: 'Peñasco 🚧 «[»', lista: [[['ñ']]] });
    expect(jsonNestsDeeperThan(bytes(text), 4)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(text), 3)).toBe(true);
    expect(jsonNestsDeeperThan(text, 4)).toBe(false);
    expect(jsonNestsDeeperThan(text, 3)).toBe(true);
  });

  it('agrees with JSON.parse on the depth of what it accepts', () => {
    const depthOf = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);
    const samples = [{ a: [1, { b: ['x]', { c: '}' }] }] }, [[[[]]]], { '[': { '{': '"' } }, ['\\', ['\\"', [['\u005b']]]]];
    for (const sample of samples) {
      const text = JSON.stringify(sample);
      const depth = depthOf(JSON.parse(text));
      expect(jsonNestsDeeperThan(bytes(text), depth)).toBe(false);
      expect(jsonNestsDeeperThan(bytes(text), depth - 1)).toBe(true);
    }
  });

  it('stops at the first level over the limit and stays linear on huge inputs', () => {
    const huge = bytes('['.repeat(500_000) + ']'.repeat(500_000));
    expect(jsonNestsDeeperThan(huge, MAX_JSON_DEPTH)).toBe(true);
    const flat = bytes(`[${'[1],'.repeat(250_000)}[1]]`);
    expect(jsonNestsDeeperThan(flat, 2)).toBe(false);
  });
});

describe('jsonDepthVerifier', () => {
  const verify = jsonDepthVerifier(3);
  const thrown = (fn: () => void): RequestBodyError | undefined => {
    try {
      fn();
    } catch (err) {
      return err as RequestBodyError;
    }
    return undefined;
  };

  it('passes bodies within the limit (utf-8, raw parser without charset, UTF-16)', () => {
    expect(thrown(() => verify({} as never, {}, bytes('[[[1]]]'), 'utf-8'))).toBeUndefined();
    expect(thrown(() => verify({} as never, {}, bytes('[[[1]]]'), null))).toBeUndefined();
    expect(thrown(() => verify({} as never, {}, Buffer.from('[[["ñ"]]]', 'utf16le'), 'utf-16le'))).toBeUndefined();
    expect(thrown(() => verify({} as never, {}, Buffer.from('[[["ñ"]]]', 'utf16le').swap16(), 'utf-16be'))).toBeUndefined();
  });

  it('throws an http-errors style 400 for deeper bodies, 415 for charsets it cannot scan', () => {
    const deep = thrown(() => verify({} as never, {}, bytes('[[[[1]]]]'), 'utf-8'));
    expect(deep).toMatchObject({ status: 400, statusCode: 400, expose: true, type: 'entity.too.deep' });
    expect(thrown(() => verify({} as never, {}, Buffer.from('[[[[1]]]]', 'utf16le'), 'utf-16le'))).toMatchObject({ status: 400 });
    expect(thrown(() => verify({} as never, {}, bytes('+AFsAWwBbAFs-1'), 'utf-7'))).toMatchObject({ status: 415, type: 'charset.unsupported' });
    expect(thrown(() => verify({} as never, {}, bytes('[1]'), 'utf-32'))).toMatchObject({ status: 415 });
  });
});
