import { IntakeService } from '../../src/intake/intake.service';
import type { TestApp } from './test-app';

/** The office mailbox the outbox tests send as. */
export const OUTBOX_TEST_MAILBOX = 'atencionciudadana@sanluis.gob.mx';

/**
 * Settings for an app whose outbox worker the test drives by hand (every send attempt is the
 * test's), sending through the SMTP server at host:port, two attempts 10 ms apart.
 */
export function handDrivenSmtpEnv(host: string, port: number, login: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_HOST: host,
    SMTP_PORT: String(port),
    SMTP_TIMEOUT_MS: '5000',
    MAIL_FROM: `Atención Ciudadana SLP <${OUTBOX_TEST_MAILBOX}>`,
    OUTBOX_WORKER: 'false',
    OUTBOX_RETRY_BASE_MS: '10',
    OUTBOX_RETRY_MAX_MS: '10',
    OUTBOX_MAX_ATTEMPTS: '2',
    ...login,
  };
}

/** A citizen's report by email from `from`: its acknowledgement is queued in the outbox. */
export async function citizenEmail(t: TestApp, from: string, tag = 'outbox'): Promise<void> {
  await t.app.get(IntakeService).receive({
    channel: 'email',
    externalId: `<${tag}.${from}.${Date.now()}@correo.mx>`,
    sender: { name: 'Rosa Elena Martínez', identities: [{ kind: 'email', value: from }] },
    subject: 'Fuga de agua en la calle Zaragoza',
    text: 'Hay una fuga frente al número 210 desde ayer.',
  });
}
