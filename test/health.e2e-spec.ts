import { startTestApp, type TestApp } from './support/test-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startRedis } = require('../tools/embedded-servers') as {
  startRedis: () => Promise<{ url: string; stop: () => Promise<void> }>;
};

describe('health endpoints', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('GET /healthz says the process is up', async () => {
    const res = await fetch(`${api.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz checks MongoDB and Redis for real', async () => {
    const res = await fetch(`${api.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: { mongodb: 'up', redis: 'up', audit: 'up' },
      audit: { pending: 0, lost: 0 },
    });
  });

  it('GET /readyz answers 503 naming the dependency that is down', async () => {
    // An app with a Redis of its own, which the test then stops.
    const redis = await startRedis();
    const app = await startTestApp({ REDIS_URL: redis.url }, { label: 'own-redis' });
    try {
      await redis.stop();
      const res = await fetch(`${app.baseUrl}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unavailable', checks: { mongodb: 'up', redis: 'down' } });
      expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await Promise.race([app.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 3_000))]);
    }
  });
});
