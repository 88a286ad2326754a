export interface NoticeText {
  title: string;
  body: string;
  /** "Fecha de última actualización", already written in Spanish */
  updated?: string | null;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/**
 * The admin's text as HTML. Everything is escaped: admins write plain text with blank lines
 * between paragraphs, `## ` headings and `- ` list items; no HTML of theirs reaches the page.
 */
export function renderNoticeBody(body: string): string {
  const blocks = body.replace(/\r\n?/g, '\n').split(/\n/);
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(`<p>${paragraph.map(escapeHtml).join('<br>')}</p>`);
    if (list.length) out.push(`<ul>${list.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
    paragraph = [];
    list = [];
  };
  for (const raw of blocks) {
    const line = raw.trim();
    if (!line) {
      flush();
    } else if (line.startsWith('## ')) {
      flush();
      out.push(`<h3>${escapeHtml(line.slice(3))}</h3>`);
    } else if (line.startsWith('- ')) {
      if (paragraph.length) flush();
      list.push(line.slice(2));
    } else {
      if (list.length) flush();
      paragraph.push(line);
    }
  }
  flush();
  return out.join('\n');
}

const updatedLine = (n: NoticeText) => (n.updated ? `<p><small>Fecha de última actualización: ${escapeHtml(n.updated)}</small></p>` : '');

/** The public page: the short notice first, the full one below (anchor `#integral`). */
export function renderPrivacyNoticePage(short: NoticeText, full: NoticeText): string {
  return `<!doctype html>
<html lang="es-MX">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aviso de privacidad · Atención Ciudadana · San Luis Potosí</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.55;color:#1f2933}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.5rem;border-top:1px solid #d9e2ec;padding-top:1.5rem}h3{font-size:1.05rem;margin-top:1.5rem}
nav a{color:#0b5394}
</style>
</head>
<body>
<header><p>H. Ayuntamiento de San Luis Potosí · Atención Ciudadana</p></header>
<main>
<h1>Aviso de privacidad</h1>
<nav><p><a href="#simplificado">Aviso simplificado</a> · <a href="#integral">Aviso integral</a></p></nav>
<section id="simplificado">
<h2>${escapeHtml(short.title)}</h2>
${renderNoticeBody(short.body)}
${updatedLine(short)}
</section>
<section id="integral">
<h2>${escapeHtml(full.title)}</h2>
${renderNoticeBody(full.body)}
${updatedLine(full)}
</section>
</main>
</body>
</html>
`;
}
