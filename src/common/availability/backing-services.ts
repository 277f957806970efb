import { CommonException, CommonExceptionReason } from '../errors/app.exception';

export type BackingService = 'MongoDB' | 'Redis';

/** Errors the MongoDB driver and Mongoose raise when the server cannot be reached or stops answering. */
const MONGO_UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
]);

/** ioredis's errors for a server that is down (retries used up), closed, or paused (command timeout). */
const REDIS_UNREACHABLE = new Set(['MaxRetriesPerRequestError']);
const REDIS_UNREACHABLE_MESSAGES = new Set([
  'Command timed out',
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
]);

/**
 * Which backing service an error says is unreachable, if it says so: a driver's "could not
 * reach the server in time" is the client's cue to retry, not a bug of this process.
 */
export function unreachableServiceOf(error: unknown): BackingService | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (typeof name === 'string' && MONGO_UNREACHABLE.has(name)) return 'MongoDB';
  // Mongoose's own wait for a connection: "Operation `users.findOne()` buffering timed out after 5000ms".
  if (name === 'MongooseError' && typeof message === 'string' && message.includes('buffering timed out')) {
    return 'MongoDB';
  }
  if (typeof name === 'string' && REDIS_UNREACHABLE.has(name)) return 'Redis';
  if (typeof message === 'string' && REDIS_UNREACHABLE_MESSAGES.has(message)) return 'Redis';
  return undefined;
}

/** The retryable error a client sees when `service` does not answer. */
export function serviceUnavailable(service: BackingService): CommonException {
  return new CommonException(
    service === 'MongoDB' ? CommonExceptionReason.MONGODB_UNAVAILABLE : CommonExceptionReason.REDIS_UNAVAILABLE,
    `${service === 'MongoDB' ? 'The database' : 'The cache and queue store'} is not answering; try again shortly`,
    { retryAfterSeconds: 5 },
  );
}
