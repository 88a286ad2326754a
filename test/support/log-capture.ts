import { Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { startTestApp, TestApp } from './test-app';

/** Collects everything the app logs (pino JSON lines) in memory. */
export class LogCapture {
  private readonly chunks: string[] = [];
  readonly stream: DestinationStream = new Writable({
    write: (chunk: Buffer | string, _enc, done) => {
      this.chunks.push(chunk.toString());
      done();
    },
  });

  text(): string {
    return this.chunks.join('');
  }

  lines(): Array<Record<string, unknown>> {
    return this.text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** The app at debug level with its log output captured: `{ t, logs }`. */
export async function startAppWithLogCapture(env: Record<string, string> = {}): Promise<{ t: TestApp; logs: LogCapture }> {
  const logs = new LogCapture();
  const t = await startTestApp({ LOG_LEVEL: 'debug', ...env }, { logDestination: logs.stream });
  return { t, logs };
}

/**
 * Variants under which an identifier may show up in a log: as given, lower-cased, JSON-escaped,
 * and for phone numbers the bare national digits.
 */
export function identifierVariants(identifier: string): string[] {
  const out = new Set([identifier, identifier.toLowerCase(), JSON.stringify(identifier).slice(1, -1)]);
  const digits = identifier.replace(/\D/g, '');
  if (digits.length >= 8 && /^[\d\s()+.-]+$/.test(identifier)) out.add(digits.slice(-10));
  return [...out].filter((v) => v.length >= 4);
}

/** Which of these identifiers (names, emails, phones, handles, body snippets, tokens) occur in the text. */
export function findIdentifiers(text: string, identifiers: string[]): string[] {
  const haystack = text.toLowerCase();
  return identifiers.filter((id) => identifierVariants(id).some((v) => haystack.includes(v.toLowerCase())));
}
