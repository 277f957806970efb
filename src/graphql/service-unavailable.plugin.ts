import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ErrorCode } from '../common/errors/error-code';

/** Seconds a client is told to wait before retrying when a backing service is unreachable. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Answers HTTP 503 with `Retry-After` when a backing service was unreachable and nothing in the
 * operation took effect, so that load balancers, proxies and HTTP clients see what GraphQL clients
 * read in `extensions.code`: the request may be sent again. A response with any data (a first
 * mutation that did run) or an outcome that is only unconfirmed (`AUDIT_UNCONFIRMED`, which carries
 * no `retryAfterSeconds`) keeps its 200, so that nothing retries a change that was made.
 */
export const serviceUnavailablePlugin: NonNullable<ApolloDriverConfig['plugins']>[number] = {
  requestDidStart() {
    return Promise.resolve({
      willSendResponse({ response }) {
        const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
        const retryable = result?.errors?.some(
          (e) =>
            e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE &&
            typeof (e.extensions.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds ===
              'number',
        );
        const nothingDone = !result?.data || Object.values(result.data).every((value) => value === null);
        if (retryable && nothingDone) {
          response.http.status = 503;
          response.http.headers.set('retry-after', RETRY_AFTER_SECONDS);
        }
        return Promise.resolve();
      },
    });
  },
};
