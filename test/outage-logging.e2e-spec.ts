import { startChildApi, type ChildApi } from './support/child-api';
import { faultRedis, type FaultServer } from './support/fault-servers';
import { waitFor } from './support/graphql-client';
import { testEnv } from './support/test-app';

const count = (output: string, pattern: RegExp): number => output.split('\n').filter((l) => pattern.test(l)).length;
const DOWN = /ERROR.*Redis is unreachable/;
const UP = /Redis is reachable again after/;

/**
 * A Redis outage is logged through the logger once when it starts and once when it ends, whether
 * Redis died (connections refused) or stalled (connections open, nothing answered), instead of a
 * raw line on stderr for every reconnection attempt of every connection.
 */
describe('logging a Redis outage', () => {
  let redis: FaultServer;
  let api: ChildApi;

  beforeAll(async () => {
    redis = await faultRedis();
    api = await startChildApi(testEnv({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '500' }, 'outage-log'));
  });

  afterAll(async () => {
    if (api?.process.exitCode === null) api.process.kill('SIGKILL');
    await redis?.stop();
  });

  it('says once that Redis died and once that it is back', async () => {
    await redis.kill();
    await waitFor(async () => count(api.output(), DOWN) === 1, 10_000, 'the outage to be logged');
    // Several reconnection attempts of each connection happen meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await redis.restart();
    await waitFor(async () => count(api.output(), UP) === 1, 10_000, 'the recovery to be logged');

    expect(count(api.output(), DOWN)).toBe(1);
    expect(api.output()).not.toContain('Unhandled error event');
  });

  it('says so when Redis stalls, too', async () => {
    redis.pause();
    try {
      await waitFor(async () => count(api.output(), DOWN) === 2, 10_000, 'the stall to be logged');
    } finally {
      redis.resume();
    }
    await waitFor(async () => count(api.output(), UP) === 2, 10_000, 'the recovery to be logged');
  });
});
