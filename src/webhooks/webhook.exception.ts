import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum WebhookExceptionReason {
  WEBHOOK_NOT_FOUND = 'WEBHOOK_NOT_FOUND',
  DELIVERY_NOT_FOUND = 'DELIVERY_NOT_FOUND',
  /** Not an absolute http(s) URL, or one carrying a user name or password. */
  INVALID_URL = 'INVALID_URL',
  /**
   * The host is an address webhooks may not reach (loopback, private, metadata, …), or a name that
   * resolves to one or to none: names get one refusal, so it tells nothing of internal DNS.
   */
  FORBIDDEN_ADDRESS = 'FORBIDDEN_ADDRESS',
  INVALID_EVENT_PATTERN = 'INVALID_EVENT_PATTERN',
  WEBHOOK_LIMIT_REACHED = 'WEBHOOK_LIMIT_REACHED',
  WEBHOOK_DISABLED = 'WEBHOOK_DISABLED',
  INVALID_GRACE_PERIOD = 'INVALID_GRACE_PERIOD',
  /** A ping was recorded (the sweep will send it) but its delivery could not be made yet. */
  PING_NOT_DISPATCHED = 'PING_NOT_DISPATCHED',
}

const CODES: ReasonCodes<WebhookExceptionReason> = {
  [WebhookExceptionReason.WEBHOOK_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [WebhookExceptionReason.DELIVERY_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [WebhookExceptionReason.INVALID_URL]: ErrorCode.BAD_USER_INPUT,
  [WebhookExceptionReason.FORBIDDEN_ADDRESS]: ErrorCode.BAD_USER_INPUT,
  [WebhookExceptionReason.INVALID_EVENT_PATTERN]: ErrorCode.BAD_USER_INPUT,
  [WebhookExceptionReason.WEBHOOK_LIMIT_REACHED]: ErrorCode.FORBIDDEN,
  [WebhookExceptionReason.WEBHOOK_DISABLED]: ErrorCode.CONFLICT,
  [WebhookExceptionReason.INVALID_GRACE_PERIOD]: ErrorCode.BAD_USER_INPUT,
  [WebhookExceptionReason.PING_NOT_DISPATCHED]: ErrorCode.SERVICE_UNAVAILABLE,
};

export class WebhookException extends AppException<WebhookExceptionReason> {
  readonly feature = 'webhooks';
  protected readonly codes = CODES;
}
