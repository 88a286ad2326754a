import { renderNoticeBody, renderPrivacyNoticePage } from './render-privacy-notice';

describe('renderNoticeBody', () => {
  it('turns blank-line paragraphs, ## headings and - items into HTML', () => {
    const html = renderNoticeBody('## Responsable\nEl Ayuntamiento.\n\n- Nombre.\n- Correo.\n\nFin\nde texto');
    expect(html).toBe('<h3>Responsable</h3>\n<p>El Ayuntamiento.</p>\n<ul><li>Nombre.</li><li>Correo.</li></ul>\n<p>Fin<br>de texto</p>');
  });

  it('escapes any HTML the admin typed', () => {
    const html = renderNoticeBody('<script>alert(1)</script>\n- <img src=x onerror=alert(1)>\n## "x" & \'y\'');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<h3>&quot;x&quot; &amp; &#39;y&#39;</h3>');
  });
});

describe('renderPrivacyNoticePage', () => {
  it('shows both versions with anchors and escaped titles', () => {
    const page = renderPrivacyNoticePage({ title: 'Corto <b>', body: 'Uno' }, { title: 'Integral', body: 'Dos' });
    expect(page).toContain('<html lang="es-MX">');
    expect(page).toContain('<section id="simplificado">');
    expect(page).toContain('<section id="integral">');
    expect(page).toContain('Corto &lt;b&gt;');
  });
});
