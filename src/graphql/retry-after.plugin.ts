import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../common/errors/error-code';

/** The HTTP status each retryable code is answered with, most pressing first. */
const STATUS_OF: ReadonlyArray<[code: ErrorCode, status: number]> = [
  [ErrorCode.SERVICE_UNAVAILABLE, 503],
  [ErrorCode.RATE_LIMITED, 429],
];

function retryAfterOf(error: GraphQLFormattedError): number | undefined {
  const seconds = (error.extensions?.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : undefined;
}

/**
 * Answers HTTP 503 (a backing service was unreachable) or 429 (the caller is over a rate limit)
 * with `Retry-After` when nothing in the request took effect, so that load balancers, proxies and
 * HTTP clients see what GraphQL clients read in `extensions.code`: the request may be sent again,
 * after that many seconds. Only errors that say when (`details.retryAfterSeconds`) count. A
 * response with any data (a first mutation that did run) or an outcome that is only unconfirmed
 * (`AUDIT_UNCONFIRMED`, which carries no `retryAfterSeconds`) keeps its 200, so that nothing
 * retries a change that was made.
 */
export const retryAfterPlugin: NonNullable<ApolloDriverConfig['plugins']>[number] = {
  requestDidStart() {
    return Promise.resolve({
      willSendResponse({ response }) {
        const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
        if (!result?.errors) return Promise.resolve();
        const nothingDone = !result.data || Object.values(result.data).every((value) => value === null);
        if (!nothingDone) return Promise.resolve();
        for (const [code, status] of STATUS_OF) {
          const waits = result.errors
            .filter((e) => e.extensions?.code === code)
            .map(retryAfterOf)
            .filter((seconds) => seconds !== undefined);
          if (waits.length === 0) continue;
          response.http.status = status;
          response.http.headers.set('retry-after', String(Math.max(...waits)));
          break;
        }
        return Promise.resolve();
      },
    });
  },
};
