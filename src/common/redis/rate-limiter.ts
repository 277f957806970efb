import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from './redis.token';

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
  /** Hits in the current window, this one included: `limit + 1` is the first one refused. */
  count: number;
}

/**
 * Counts a hit and starts the bucket's window at its first hit, in one atomic step: the count
 * and the time left in the window. A key left without an expiry (by hand, say) is given one.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

type WithHitCommand = Redis & { rateLimitHit(key: string, windowMs: number): Promise<[number, number]> };

/**
 * Counters in Redis, shared by every API process. A bucket's window starts at its first hit and
 * lasts `windowSeconds`; a window aligned to the clock instead would let a caller spend its limit
 * twice in a moment across a boundary, and give each process its own idea of the boundary. One
 * round trip per hit (the script is sent once and then called by its hash).
 */
@Injectable()
export class RateLimiter {
  private readonly redis: WithHitCommand;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: AppConfig,
  ) {
    if (!('rateLimitHit' in redis)) redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = redis as WithHitCommand;
  }

  async hit(bucket: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const key = `${this.config.REDIS_PREFIX}:ratelimit:${bucket}`;
    const [count, ttlMs] = await this.redis.rateLimitHit(key, windowSeconds * 1000);
    return {
      allowed: count <= limit,
      remaining: Math.max(0, limit - count),
      retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
      count,
    };
  }
}
