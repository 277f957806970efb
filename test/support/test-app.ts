import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { createApp } from '../../src/bootstrap';
import { loadConfig, type AppConfig } from '../../src/config/app-config';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  /** ws://127.0.0.1:PORT/graphql */
  wsUrl: string;
  baseUrl: string;
  close(): Promise<void>;
}

/** A database name and Redis prefix of this test file's own, so files run in parallel. */
export function isolation(label = ''): { database: string; prefix: string } {
  const file = expect.getState().testPath ?? 'unknown';
  const hash = createHash('sha1').update(`${file}:${label}`).digest('hex').slice(0, 10);
  const run = process.env.SLIPWAY_TEST_RUN ?? 'run';
  return { database: `slipway_test_${hash}`, prefix: `slipway-test:${run}:${hash}` };
}

export function mongoUri(database: string): string {
  const base = process.env.MONGODB_URI;
  if (!base)
    throw new Error('MONGODB_URI is not set: run the tests through jest, whose globalSetup starts the servers');
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export function testEnv(overrides: Record<string, string> = {}, label = ''): Record<string, string> {
  const { database, prefix } = isolation(label);
  return {
    NODE_ENV: 'test',
    MONGODB_URI: mongoUri(database),
    REDIS_URL: process.env.REDIS_URL ?? '',
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-signing',
    SHUTDOWN_GRACE_SECONDS: '5',
    // Test files sign up many users from one address.
    REGISTRATIONS_PER_HOUR_PER_IP: '100000',
    // A fixed key ring, so test apps started in production mode boot too.
    ENCRYPTION_KEYS: `test:${Buffer.alloc(32, 1).toString('base64')}`,
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    // Deployments' files, per test file, outside the repository.
    STORAGE_DIR: path.join(tmpdir(), `slipway-storage-${database}`),
    ...overrides,
  };
}

/** Empties this file's database, so each file starts from nothing. */
export async function resetDatabase(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

/** Deletes this file's Redis keys (queues, rate limits), leaving other files' alone. */
export async function resetRedis(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Boots the real application on a free port against the run's servers. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: { label?: string; reset?: boolean } = {},
): Promise<TestApp> {
  const env = testEnv(overrides, options.label);
  const config = loadConfig(env);
  if (options.reset !== false) {
    await resetDatabase(config.MONGODB_URI);
    await resetRedis(config.REDIS_URL, config.REDIS_PREFIX);
  }
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    baseUrl,
    url: `${baseUrl}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    close: async () => {
      await app.close();
    },
  };
}
