import type { ContactInput } from '../citizens/citizens.service';
import type { AcknowledgementOutcome } from '../tickets/ticket-hooks';
import type { TicketChannel, TicketPriority } from '../tickets/ticket-channel';

export interface InboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  /** null when omitted (over the size limit, failed download) */
  content: Buffer | null;
  omittedReason?: string | null;
  inline?: boolean;
  /** Content-ID without angle brackets: what the HTML's `cid:` image references point to */
  contentId?: string | null;
}

/**
 * The one shape every channel normalises into before calling IntakeService.receive().
 * `externalId` is unique per channel (Message-ID, mid, wamid, Telegram chat:message id, capture key).
 */
export interface InboundMessage {
  channel: TicketChannel;
  externalId: string;
  receivedAt?: Date;
  sender: ContactInput;
  subject?: string | null;
  text: string;
  /** already sanitised HTML */
  html?: string | null;
  /** the new text without quoted history */
  textNew?: string | null;
  attachments?: InboundAttachment[];
  /** the channel adapter's threading verdict: append to this ticket (by internal id) */
  threadTicketId?: string | null;
  /** the citizen did not write it themselves (auto-reply, bulk): never acknowledged */
  automated?: boolean;
  /**
   * a person's message that must not be answered automatically (a subject that reads like an
   * out-of-office, what an inbox rule sent on): a ticket or thread message like any other — on the
   * citizen's page and in the search — only without an acknowledgement (mail loops)
   */
  unacknowledged?: boolean;
  /**
   * an edit of a message already on `threadTicketId` (a platform's "edited message"): appended to
   * that ticket whatever its status — it resumes, reopens or opens nothing — and never acknowledged
   */
  correction?: boolean;
  /**
   * threaded onto a ticket that is not the sender's (someone else answering a notification the
   * citizen forwarded, a CC): recorded on the thread, but not taken as the citizen's answer
   */
  fromThirdParty?: boolean;
  /**
   * Background intake (mailbox reader, social worker): a new ticket's duplicate search runs after
   * the commit (DuplicateCheckWorker) instead of inside the intake transaction.
   */
  deferDuplicateSearch?: boolean;
  /** ticket fields when a new ticket is made (staff capture, press forwarding) */
  ticket?: {
    priority?: TicketPriority;
    categoryId?: string;
    areaId?: string;
    address?: string;
    colonia?: string;
    latitude?: number;
    longitude?: number;
    poleId?: string;
    tags?: string[];
  };
  createdById?: string | null;
  forwardedById?: string | null;
  meta?: Record<string, unknown>;
}

export type IntakeOutcome = 'created' | 'appended' | 'created_linked' | 'duplicate';

export interface IntakeResult {
  outcome: IntakeOutcome;
  ticketId: string;
  folio: string;
  messageId: string;
  /** for a new ticket: whether the citizen's acknowledgement was queued, and if not, why */
  acknowledgement?: AcknowledgementOutcome;
}
