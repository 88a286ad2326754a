import { canonicalPostUrl, forwardedAuthor, forwardedExternalId, postedAtInstant, postReference } from './forwarded-source';

describe('canonicalPostUrl', () => {
  it('one post written several ways is one URL: host case, www/m., tracking parameters, trailing slash, fragment', () => {
    const tweet = 'https://x.com/i/status/1861234567890';
    for (const url of [
      'https://x.com/VecinosTequis/status/1861234567890',
      'https://X.COM/vecinostequis/status/1861234567890/',
      'https://twitter.com/VecinosTequis/status/1861234567890?s=20&t=abc',
      'http://mobile.twitter.com/VecinosTequis/status/1861234567890#respuestas',
      'https://x.com/VecinosTequis/status/1861234567890/photo/1?utm_source=whatsapp',
    ]) {
      expect([url, canonicalPostUrl(url)]).toEqual([url, tweet]);
    }
    expect(canonicalPostUrl('https://www.instagram.com/p/DCx9_aB-1zQ/?igshid=MzRlODBiNWFlZA==&utm_medium=copy_link')).toBe('https://instagram.com/p/DCx9_aB-1zQ');
    expect(canonicalPostUrl('https://instagram.com/reel/DCx9_aB-1zQ/?igsh=abc')).toBe('https://instagram.com/p/DCx9_aB-1zQ');
    expect(canonicalPostUrl('https://m.facebook.com/MunicipioSLP/posts/pfbid02AbC/?fbclid=IwAR0x&mibextid=Nif5oz')).toBe('https://facebook.com/MunicipioSLP/posts/pfbid02AbC');
    expect(canonicalPostUrl('https://www.facebook.com/permalink.php?id=100&story_fbid=200&fbclid=x')).toBe(canonicalPostUrl('https://facebook.com/story.php?story_fbid=200&id=100'));
    expect(canonicalPostUrl('https://youtu.be/dQw4w9WgXcQ?si=Tr4ck1ng')).toBe('https://youtube.com/watch?v=dQw4w9WgXcQ');
    expect(canonicalPostUrl('https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&si=x')).toBe('https://youtube.com/watch?v=dQw4w9WgXcQ');
    expect(canonicalPostUrl('https://youtube.com/shorts/dQw4w9WgXcQ?si=x')).toBe('https://youtube.com/watch?v=dQw4w9WgXcQ');
    expect(canonicalPostUrl('https://www.tiktok.com/@Vecina.SLP/video/7311111111111111111?is_from_webapp=1&sender_device=pc')).toBe(
      'https://tiktok.com/@vecina.slp/video/7311111111111111111',
    );
  });

  it('a comment keeps what names the comment: two comments on one post are two reports', () => {
    const post = canonicalPostUrl('https://www.facebook.com/MunicipioSLP/posts/pfbid02AbC');
    const c1 = canonicalPostUrl('https://www.facebook.com/MunicipioSLP/posts/pfbid02AbC?comment_id=111&__cft__[0]=zz');
    const c2 = canonicalPostUrl('https://www.facebook.com/MunicipioSLP/posts/pfbid02AbC?comment_id=222');
    expect(new Set([post, c1, c2]).size).toBe(3);
    expect(canonicalPostUrl('https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgxAbC')).toBe('https://youtube.com/watch?lc=UgxAbC&v=dQw4w9WgXcQ');
    expect(canonicalPostUrl('https://www.instagram.com/p/DCx9/c/1790000/')).toBe('https://instagram.com/p/DCx9/c/1790000');
  });

  it('a profile, a site it does not know or something that is not a web URL names no post', () => {
    for (const url of [
      'https://x.com/VecinosTequis',
      'https://www.facebook.com/MunicipioSLP',
      'https://www.facebook.com/profile.php?id=100',
      'https://www.instagram.com/vecina.slp/',
      'https://www.tiktok.com/@vecina.slp',
      'https://www.youtube.com/@canal',
      'https://foro-vecinal.example/t/fuga-de-agua/123',
      'ftp://x.com/a/status/1',
      'no es una url',
      '',
      null,
      undefined,
    ]) {
      expect([url, canonicalPostUrl(url)]).toEqual([url, null]);
    }
  });
});

describe('forwardedExternalId', () => {
  it('names the forward by its post when the URL is one, whatever the text or author', () => {
    const a = forwardedExternalId('x', 'https://x.com/VecinosTequis/status/1861234567890?s=20', 'vecinostequis', 'Sin recolección');
    const b = forwardedExternalId('x', 'https://twitter.com/vecinostequis/status/1861234567890/', '', 'Llevamos tres días sin recolección de basura');
    expect(a).toBe('forwarded:post:https://x.com/i/status/1861234567890');
    expect(b).toBe(a);
  });

  it('else by network, author and text (spacing and case aside); a profile URL does not count', () => {
    const a = forwardedExternalId('tiktok', undefined, 'vecina.slp', 'Bache  enorme\nen Himno Nacional');
    expect(a).toMatch(/^forwarded:text:[0-9a-f]{64}$/);
    expect(forwardedExternalId('tiktok', 'https://www.tiktok.com/@vecina.slp', 'vecina.slp', ' bache enorme en himno nacional ')).toBe(a);
    expect(forwardedExternalId('tiktok', undefined, 'otra.vecina', 'Bache enorme en Himno Nacional')).not.toBe(a);
    expect(forwardedExternalId('instagram', undefined, 'vecina.slp', 'Bache enorme en Himno Nacional')).not.toBe(a);
    expect(forwardedExternalId('tiktok', undefined, 'vecina.slp', 'Bache enorme en Himno Nacional 2')).not.toBe(a);
  });

  it('two comments under one TikTok video (no link of their own) are two messages; the same comment again is one', () => {
    const video = 'https://www.tiktok.com/@municipioslp/video/7301234567890123456?is_from_webapp=1';
    const a = forwardedExternalId('tiktok', video, 'vecina.slp', 'Se cayó un cable de alta tensión en la calle Zaragoza');
    const b = forwardedExternalId('tiktok', video, 'don.pepe', 'Sin agua desde el lunes en Jacarandas');
    expect(a).toMatch(/^forwarded:comment:[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
    expect(forwardedExternalId('tiktok', 'https://m.tiktok.com/@MunicipioSLP/video/7301234567890123456', 'vecina.slp', ' se cayó un cable de alta  tensión en la calle zaragoza')).toBe(a);
    // same author, another comment; another author, same words: other messages too
    expect(forwardedExternalId('tiktok', video, 'vecina.slp', 'Y tampoco hay luz')).not.toBe(a);
    expect(forwardedExternalId('tiktok', video, 'otra.vecina', 'Se cayó un cable de alta tensión en la calle Zaragoza')).not.toBe(a);
  });

  it('a Facebook, Instagram or YouTube post without a comment id keys on author and text; with one, on the comment', () => {
    const post = 'https://www.facebook.com/MunicipioSLP/posts/pfbid0abc';
    expect(forwardedExternalId('facebook', post, 'name:ana', 'Bache')).not.toBe(forwardedExternalId('facebook', post, 'name:luis', 'Fuga'));
    const comment = `${post}?comment_id=123`;
    expect(forwardedExternalId('facebook', comment, 'name:ana', 'Bache')).toBe('forwarded:post:https://facebook.com/MunicipioSLP/posts/pfbid0abc?comment_id=123');
    expect(forwardedExternalId('facebook', comment, 'ana', 'Bache en la esquina')).toBe(forwardedExternalId('facebook', comment, '', 'bache'));
    expect(forwardedExternalId('instagram', 'https://instagram.com/p/Cx1', 'ana', 'a')).not.toBe(forwardedExternalId('instagram', 'https://instagram.com/p/Cx1', 'luis', 'b'));
    expect(forwardedExternalId('instagram', 'https://instagram.com/p/Cx1/c/99', 'ana', 'a')).toBe('forwarded:post:https://instagram.com/p/Cx1/c/99');
    expect(forwardedExternalId('youtube', 'https://youtu.be/abc', 'ana', 'a')).not.toBe(forwardedExternalId('youtube', 'https://youtu.be/abc', 'luis', 'b'));
    expect(forwardedExternalId('youtube', 'https://youtu.be/abc?lc=Ugx1', 'ana', 'a')).toBe('forwarded:post:https://youtube.com/watch?lc=Ugx1&v=abc');
  });

  it("an X status forwarded with another account's handle is a reply under it, not the status", () => {
    const status = 'https://x.com/MunicipioSLP/status/1869000000000000009';
    expect(forwardedExternalId('x', status, 'municipioslp', 'Aviso de corte de agua')).toBe('forwarded:post:https://x.com/i/status/1869000000000000009');
    expect(forwardedExternalId('x', status, 'name:municipio de slp', 'Aviso')).toBe('forwarded:post:https://x.com/i/status/1869000000000000009');
    const reply1 = forwardedExternalId('x', status, 'vecino1', 'En mi calle tampoco hay agua');
    const reply2 = forwardedExternalId('x', status, 'vecino2', 'Aquí hay una fuga');
    expect(reply1).toMatch(/^forwarded:comment:/);
    expect(reply2).not.toBe(reply1);
  });
});

describe('postReference', () => {
  it('says whether the URL names one message and under which account', () => {
    expect(postReference('https://twitter.com/Vecino/status/1')).toEqual({ url: 'https://x.com/i/status/1', exact: true, owner: 'vecino' });
    expect(postReference('https://x.com/i/web/status/1')).toEqual({ url: 'https://x.com/i/status/1', exact: true, owner: null });
    expect(postReference('https://www.tiktok.com/@Vecina/video/7')).toEqual({ url: 'https://tiktok.com/@vecina/video/7', exact: false, owner: 'vecina' });
    expect(postReference('https://www.tiktok.com/@vecina')).toBeNull();
  });
});

describe('forwardedAuthor', () => {
  it('a handle on its own network: lower case, without "@"', () => {
    expect(forwardedAuthor('x', '@@VecinosTequis', 'Vecinos de Tequis')).toEqual({
      identities: [{ kind: 'handle', value: 'x:vecinostequis', handle: '@vecinostequis', displayName: 'Vecinos de Tequis' }],
      handleLabel: '@vecinostequis',
      fallbackName: '@vecinostequis',
      key: 'vecinostequis',
    });
  });

  it('no identity on "other" (one handle on two sites is two people), nor for a name typed as a handle', () => {
    expect(forwardedAuthor('other', '@juan', null)).toEqual(expect.objectContaining({ identities: [], handleLabel: '@juan', key: 'juan' }));
    const typedName = forwardedAuthor('facebook', 'Juan Pérez', null);
    expect(typedName).toEqual({ identities: [], handleLabel: 'Juan Pérez', fallbackName: 'Juan Pérez', key: 'juan pérez' });
    expect(forwardedAuthor('instagram', 'JuanPérez', null).identities).toEqual([]);
    expect(forwardedAuthor('tiktok', 'h'.repeat(200), null).identities).toEqual([]);
    expect(forwardedAuthor('x', '   ', null)).toEqual({ identities: [], handleLabel: null, fallbackName: null, key: '' });
  });

  it('a WhatsApp number is the E.164 whatsapp + phone identity the webhook gives the same person', () => {
    for (const typed of ['444 123 4567', '+52 1 444 123 4567', '(444) 123-4567', '524441234567']) {
      expect([typed, forwardedAuthor('whatsapp', typed, 'Doña Lupe')]).toEqual([
        typed,
        {
          identities: [
            { kind: 'whatsapp', value: '+524441234567', displayName: 'Doña Lupe' },
            { kind: 'phone', value: '+524441234567' },
          ],
          handleLabel: '+524441234567',
          fallbackName: null,
          key: '+524441234567',
        },
      ]);
    }
    expect(forwardedAuthor('whatsapp', '@lupe', null).identities).toEqual([]);
  });
});

describe('postedAtInstant', () => {
  const zone = 'America/Mexico_City'; // UTC−6 all year since 2022
  it('without an offset: wall-clock time in the city; a date alone: its midnight there', () => {
    expect(postedAtInstant('2026-11-25T18:30', zone)?.toISOString()).toBe('2026-11-26T00:30:00.000Z');
    expect(postedAtInstant('2026-11-25T18:30:15.5', zone)?.toISOString()).toBe('2026-11-26T00:30:15.500Z');
    expect(postedAtInstant('2026-11-25', zone)?.toISOString()).toBe('2026-11-25T06:00:00.000Z');
    expect(postedAtInstant('2026-11-25', 'America/Tijuana')?.toISOString()).toBe('2026-11-25T08:00:00.000Z');
  });

  it('with Z or an offset: as given', () => {
    expect(postedAtInstant('2026-11-25T18:30:00Z', zone)?.toISOString()).toBe('2026-11-25T18:30:00.000Z');
    expect(postedAtInstant('2026-11-25T18:30:00-06:00', zone)?.toISOString()).toBe('2026-11-26T00:30:00.000Z');
    expect(postedAtInstant(undefined, zone)).toBeNull();
  });
});
