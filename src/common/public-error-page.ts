import { BRANDING } from '../notifications/branding';

/** Routes a citizen opens in a browser (outside /api/v1): their errors are pages in Spanish, not JSON. */
const CITIZEN_PAGES = /^\/(seguimiento|aviso-de-privacidad)(\/|\?|$)/;

export function isCitizenPage(path: string | undefined, accept: string | undefined): boolean {
  return !!path && CITIZEN_PAGES.test(path) && !/application\/json/i.test(accept ?? '');
}

const TEXTS: Record<number, { title: string; text: string }> = {
  400: { title: 'No pudimos leer el enlace', text: 'El enlace está incompleto o tiene un error. Ábralo tal como aparece en el mensaje que le enviamos.' },
  404: { title: 'No encontramos esa página', text: 'El enlace no es válido o está incompleto. Ábralo tal como aparece en el mensaje que le enviamos.' },
  429: { title: 'Demasiadas consultas', text: 'Ha realizado demasiadas consultas en poco tiempo. Espere un minuto e inténtelo de nuevo.' },
  503: { title: 'Servicio no disponible', text: 'El servicio no está disponible por el momento. Inténtelo de nuevo en unos minutos.' },
};
const OTHER = { title: 'Ocurrió un error', text: 'Ocurrió un error inesperado. Inténtelo de nuevo más tarde.' };

/** A plain Spanish page for an error on a citizen page (no JavaScript, nothing from the request but its id). */
export function renderPublicErrorPage(statusCode: number, requestId: string | undefined, privacyUrl: string): string {
  const { title, text } = TEXTS[statusCode] ?? (statusCode >= 500 ? OTHER : TEXTS[400]);
  const reference = requestId && /^[\w-]{1,64}$/.test(requestId) ? `<p style="font-size:14px;color:#555;">Referencia: ${requestId}</p>` : '';
  return `<!DOCTYPE html>
<html lang="es-MX">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title} · ${BRANDING.office} · ${BRANDING.city}</title>
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f1f1f; background: #f4f4f4; line-height: 1.5; font-size: 17px; }
  header { background: #6b1d3a; color: #fff; padding: 16px 20px; }
  header p { margin: 0; font-size: 14px; opacity: .9; }
  header h1 { margin: 4px 0 0 0; font-size: 22px; }
  main { max-width: 640px; margin: 0 auto; padding: 16px 20px 32px 20px; background: #fff; }
  footer { max-width: 640px; margin: 0 auto; padding: 16px 20px; font-size: 14px; color: #555; }
  a { color: #6b1d3a; }
</style>
</head>
<body>
<header>
  <p>${BRANDING.institution}</p>
  <h1>${BRANDING.office}</h1>
</header>
<main>
  <h2>${title}</h2>
  <p>${text}</p>
  ${reference}
</main>
<footer>
  <p>${BRANDING.office} · ${BRANDING.institution}</p>
  <p><a href="${privacyUrl}">Aviso de privacidad</a></p>
</footer>
</body>
</html>
`;
}
