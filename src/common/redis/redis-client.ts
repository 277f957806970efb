import { Redis, type RedisOptions } from 'ioredis';
import type { ServiceStatus } from '../availability/service-status';
import type { AppConfig } from '../../config/app-config';

/**
 * `commands`: every command fails within `REDIS_TIMEOUT_MS`, whether Redis is down (one reconnect
 * attempt, then `MaxRetriesPerRequestError`) or stalled (`Command timed out`), so no request waits
 * on Redis for longer. Commands issued in one turn of the event loop go out in one write (auto
 * pipelining): the API counts every operation against its rate limit, and one write per request
 * cost more than the rest of the count. `subscriber`: a subscribed connection, which waits for
 * Redis for as long as it takes and resubscribes by itself.
 */
export function redisOptions(config: AppConfig, kind: 'commands' | 'subscriber'): RedisOptions {
  const timeout = config.REDIS_TIMEOUT_MS;
  return kind === 'commands'
    ? { connectTimeout: timeout, commandTimeout: timeout, maxRetriesPerRequest: 1, enableAutoPipelining: true }
    : { connectTimeout: timeout, maxRetriesPerRequest: null };
}

/**
 * A Redis connection whose errors are reported to `status` (logged once per outage) instead of
 * being printed by ioredis for every failed reconnection attempt.
 */
export function createRedisClient(config: AppConfig, status: ServiceStatus, kind: 'commands' | 'subscriber'): Redis {
  const client = new Redis(config.REDIS_URL, redisOptions(config, kind));
  client.on('error', (error: Error) => status.markDown('Redis', error.message));
  return client;
}
