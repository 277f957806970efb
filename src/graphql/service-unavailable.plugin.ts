import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ErrorCode } from '../common/errors/error-code';

/** Seconds a client is told to wait before retrying when a backing service is unreachable. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Answers HTTP 503 with `Retry-After` when an error says a backing service is unreachable, so
 * that load balancers, proxies and HTTP clients see what GraphQL clients read in
 * `extensions.code`: the request may be retried.
 */
export const serviceUnavailablePlugin: NonNullable<ApolloDriverConfig['plugins']>[number] = {
  requestDidStart() {
    return Promise.resolve({
      willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', RETRY_AFTER_SECONDS);
        }
        return Promise.resolve();
      },
    });
  },
};
