import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, DomainErrorCode } from './domain-error';
import { isCitizenPage, renderPublicErrorPage } from './public-error-page';

const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  NOT_FOUND: HttpStatus.NOT_FOUND,
  CONFLICT: HttpStatus.CONFLICT,
  INVALID_TRANSITION: HttpStatus.CONFLICT,
  VERSION_CONFLICT: HttpStatus.CONFLICT,
  VALIDATION: HttpStatus.BAD_REQUEST,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  TOO_MANY_REQUESTS: HttpStatus.TOO_MANY_REQUESTS,
};

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** character_not_in_repertoire, untranslatable_character */
const UNSTORABLE_TEXT = ['22021', '22P05'];
/**
 * string too long, numeric out of range, invalid date-time format, date-time out of range,
 * invalid text representation (a malformed uuid or number), a NOT NULL column given null: a value from the request the DTOs let
 * through. A safety net: validation should catch each first, so these are also logged.
 */
const MALFORMED_VALUE = ['22001', '22003', '22007', '22008', '22P02', '23502'];

function bodyParserMessage(cause: unknown): string | undefined {
  const c = cause as { type?: string } | undefined;
  if (!c) return undefined;
  if (c.type === 'entity.too.large') return 'Request body too large';
  if (c.type === 'entity.parse.failed' || cause instanceof SyntaxError) return 'Malformed JSON body';
  if (cause instanceof URIError) return 'Malformed URL encoding';
  return undefined;
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  details?: unknown;
  requestId?: string;
}

/**
 * The one exception filter: `{ statusCode, error, message, details? }` (SPEC §5).
 * Unknown errors become a 500 whose request id is also in the log; internals never leak.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const requestId = req?.id !== undefined ? String(req.id) : undefined;
    const body = this.toBody(exception, requestId);
    if (body.statusCode === 503) {
      this.logger.warn({ requestId, method: req?.method, route: req?.route?.path }, `service unavailable, request ${requestId}`);
    } else if (body.statusCode >= 500) {
      this.logger.error(
        { err: exception, requestId, method: req?.method, route: req?.route?.path },
        `unhandled error, request ${requestId}`,
      );
    }
    if (res.headersSent) return;
    if (body.statusCode === 429 && !res.getHeader('Retry-After')) {
      // @nestjs/throttler names its header after the limit (Retry-After-public): clients read Retry-After
      const named = Object.keys(res.getHeaders()).find((h) => h.startsWith('retry-after-'));
      if (named) res.setHeader('Retry-After', String(res.getHeader(named)));
    }
    if (isCitizenPage(req?.originalUrl ?? req?.url, req?.headers?.accept)) {
      // a citizen in a browser: the same status, as a page in Spanish
      res.status(body.statusCode).type('html').setHeader('Cache-Control', 'no-store');
      res.send(renderPublicErrorPage(body.statusCode, requestId, '/aviso-de-privacidad'));
      return;
    }
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, requestId?: string): ErrorBody {
    if (exception instanceof DomainError) {
      const statusCode = STATUS_BY_CODE[exception.code];
      return {
        statusCode,
        error: REASON[statusCode] ?? 'Error',
        code: exception.code,
        message: exception.message,
        ...(exception.details !== undefined ? { details: exception.details } : {}),
        requestId,
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      let message = exception.message;
      let details: unknown;
      if (typeof response === 'object' && response !== null) {
        const r = response as Record<string, unknown>;
        if (Array.isArray(r.details)) details = r.details;
        if (typeof r.message === 'string') message = r.message;
        else if (Array.isArray(r.message)) message = r.message.join('; ');
      }
      // body-parser errors arrive wrapped by the Express adapter: answer them in our words
      message = bodyParserMessage(exception.cause) ?? message;
      if (statusCode >= 500) message = 'Internal server error';
      return {
        statusCode,
        error: REASON[statusCode] ?? 'Error',
        message,
        ...(details !== undefined ? { details } : {}),
        requestId,
      };
    }
    const maybe = exception as { type?: string; status?: number; statusCode?: number } | null;
    // body-parser errors (malformed JSON, body too large) carry their own status
    const parserStatus = maybe?.statusCode ?? maybe?.status;
    if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      const message =
        maybe?.type === 'entity.too.large'
          ? 'Request body too large'
          : maybe?.type === 'entity.parse.failed'
            ? 'Malformed JSON body'
            : 'Bad request';
      return { statusCode: parserStatus, error: REASON[parserStatus] ?? 'Error', message, requestId };
    }
    if (isDatabaseUnavailable(exception)) {
      return { statusCode: 503, error: REASON[503], message: 'Database temporarily unavailable; try again shortly', requestId };
    }
    // text PostgreSQL cannot store (a NUL byte from a query string or JSON "\u0000"): the client's fault
    // (TypeORM wraps the driver's error; the hot read paths get pg's own, which has a severity)
    const dbError = exception as { driverError?: { code?: string }; code?: string; severity?: string } | null;
    const sqlState = dbError?.driverError?.code ?? (typeof dbError?.severity === 'string' ? dbError.code : undefined);
    if (sqlState && UNSTORABLE_TEXT.includes(sqlState)) {
      return { statusCode: 400, error: REASON[400], message: 'The request contains characters that cannot be stored (e.g. NUL)', requestId };
    }
    if (sqlState && MALFORMED_VALUE.includes(sqlState)) {
      this.logger.warn({ requestId, sqlState }, 'a malformed value reached the database; answered 400');
      return { statusCode: 400, error: REASON[400], message: 'A value in the request is malformed or out of range', requestId };
    }
    return {
      statusCode: 500,
      error: REASON[500],
      message: `Internal server error (request id ${requestId ?? 'unknown'})`,
      requestId,
    };
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection error|query runner (was )?already released|not queryable|terminating connection|server closed the connection|connection timeout|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|ECONNREFUSED|ECONNRESET/i;

/** The database is down or restarting (connection refused, terminated, shutting down). */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  const e = err as { code?: string; driverError?: unknown; cause?: unknown; message?: string } | null;
  if (!e || typeof e !== 'object' || depth > 3) return false;
  const code = typeof e.code === 'string' ? e.code : undefined;
  // SQLSTATE class 08 (connection exception) and 57P (operator intervention: shutdown, restart)
  if (code && (UNAVAILABLE_CODES.has(code) || /^08...$/.test(code) || /^57P0[1-4]$/.test(code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  return isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}
