import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface EmbeddedServer {
  uri?: string;
  url?: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

interface EmbeddedServers {
  startMongo(options?: { persistDir?: string; port?: number }): Promise<EmbeddedServer>;
  startRedis(options?: { persistDir?: string; port?: number }): Promise<EmbeddedServer>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const embedded = require('../../tools/embedded-servers') as EmbeddedServers;

/**
 * A real server of a test file's own, which the test can pause (SIGSTOP: connections stay open and
 * nothing answers), resume, kill and start again on the same port (with the same data for MongoDB).
 */
export interface FaultServer {
  /** `mongodb://…` or `redis://…`, without a database. */
  url: string;
  pause(): void;
  resume(): void;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function controlled(
  start: (options: { persistDir?: string; port?: number }) => Promise<EmbeddedServer>,
  persistDir?: string,
): Promise<FaultServer> {
  let server = await start({ persistDir });
  const port = server.port;
  let paused = false;
  return {
    url: server.uri ?? server.url!,
    pause: () => {
      process.kill(server.pid, 'SIGSTOP');
      paused = true;
    },
    resume: () => {
      process.kill(server.pid, 'SIGCONT');
      paused = false;
    },
    kill: async () => {
      if (paused) process.kill(server.pid, 'SIGCONT');
      paused = false;
      await server.stop();
    },
    restart: async () => {
      server = await start({ persistDir, port });
    },
    stop: async () => {
      if (paused) process.kill(server.pid, 'SIGCONT');
      await server.stop();
      if (persistDir) rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

/** A MongoDB-protocol server whose data survives `kill` and `restart` (it is stopped cleanly: see docs/mongodb-compat.md). */
export function faultMongo(): Promise<FaultServer> {
  return controlled(embedded.startMongo, mkdtempSync(path.join(tmpdir(), 'slipway-fault-mongo-')));
}

/** A Redis server; its data does not survive `kill`. */
export function faultRedis(): Promise<FaultServer> {
  return controlled(embedded.startRedis);
}
