import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { CommonException, CommonExceptionReason } from './app.exception';
import { mapError } from './graphql-error.mapper';

/** How body-parser (through raw-body) refuses a request body: an http-errors error with a `type`. */
interface UnreadableBody {
  type: string;
  status: number;
  limit?: number;
}

/** The body-parser refusal behind `exception` (Nest wraps it in an HttpException), if that is what it is. */
function unreadableBodyOf(exception: unknown): UnreadableBody | undefined {
  const cause = exception instanceof HttpException ? exception.cause : exception;
  if (typeof cause !== 'object' || cause === null) return undefined;
  const { type, status } = cause as Partial<UnreadableBody>;
  if (typeof type !== 'string' || typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return cause as UnreadableBody;
}

/**
 * GraphQL errors go back to Apollo untouched, where `formatGraphQLError` maps them and logs only
 * the unexpected ones. Without this filter Nest logs every expected error (a wrong password, a
 * denied call) as if the server had failed.
 *
 * A request body that cannot be read (too large, not JSON) is refused before Apollo sees it; it
 * is answered here in the same envelope as every other error, with its own HTTP status.
 */
@Catch()
export class GraphQLExceptionFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() === 'graphql') return exception;
    const unreadable = host.getType() === 'http' ? unreadableBodyOf(exception) : undefined;
    if (unreadable) return this.refuseBody(unreadable, host.switchToHttp().getResponse<Response>());
    return super.catch(exception, host);
  }

  private refuseBody(body: UnreadableBody, res: Response): void {
    const tooLarge = body.status === 413;
    const error = tooLarge
      ? new CommonException(
          CommonExceptionReason.PAYLOAD_TOO_LARGE,
          body.limit ? `The request body is too large: at most ${body.limit} bytes` : 'The request body is too large',
        )
      : new CommonException(
          CommonExceptionReason.MALFORMED_REQUEST,
          body.type === 'entity.parse.failed'
            ? 'The request body is not valid JSON'
            : 'The request body could not be read',
        );
    const mapped = mapError({ message: error.message }, error);
    if (res.headersSent) {
      res.end();
      return;
    }
    res
      .status(body.status)
      .json({ errors: [{ message: mapped.message, extensions: { code: mapped.code, reason: mapped.reason } }] });
  }
}
