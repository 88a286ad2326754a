/** A platform call failed. `retryable` false means trying again cannot help (bad id, blocked bot). */
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
    /** the 24 h window (or equivalent) is closed: hand over to the press office */
    readonly windowClosed = false,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

/** The file is larger than ATTACHMENT_MAX_BYTES: recorded as omitted, never retried. */
export class MediaTooLargeError extends Error {
  constructor(readonly size: number | null) {
    super('media over the size limit');
    this.name = 'MediaTooLargeError';
  }
}
