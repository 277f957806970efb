'use strict';

/**
 * The bare Redis round trip of `npm run bench:builds`: emit.js's lines, at the same rate and size
 * and with the same stamps, published straight to a Redis channel with ioredis instead of going
 * through a build. Each millisecond's lines go out as one message of the shape the worker publishes
 * (`{ projectId, buildId, lines: [{ seq, at, stream, step, text }] }`), then one last message says
 * the "build" SUCCEEDED, as the worker's does. A bench/builds/client.js process subscribes to the
 * channel and measures each line's delay as it does for the real path.
 *
 * Forked by bench/builds/run.js; IPC:
 *   { type: 'prepare', url, channel, rate, lines, size }  → { type: 'prepared' } once connected
 *   { type: 'go' }                                          → { type: 'done', lines } after the last message
 */

const { Redis } = require('ioredis');

let redis = null;
let opts = null;

const nowUs = () => process.hrtime.bigint() / 1000n;

function emit() {
  const padding = 'x'.repeat(opts.size);
  const start = process.hrtime.bigint();
  let written = 0;
  let publishing = Promise.resolve();
  const publish = (lines, finished) => {
    const message = { projectId: 'bench', buildId: 'bench', lines };
    if (finished) message.finished = finished;
    publishing = redis.publish(opts.channel, JSON.stringify(message));
  };
  const tick = () => {
    const elapsedNs = Number(process.hrtime.bigint() - start);
    const due = Math.min(opts.lines, Math.floor((elapsedNs * opts.rate) / 1e9) + 1);
    if (due > written) {
      const at = new Date();
      const stamp = `${nowUs()} ${at.getTime()} `;
      const lines = [];
      for (let n = written + 1; n <= due; n++) {
        const head = `bench-line ${n} ${stamp}`;
        lines.push({
          seq: n,
          at,
          stream: 'stdout',
          step: 'build',
          text: `${head}${padding.slice(0, Math.max(0, opts.size - head.length))}`,
        });
      }
      publish(lines);
      written = due;
    }
    if (written < opts.lines) {
      setTimeout(tick, 1);
      return;
    }
    const last = written + 1;
    publish([{ seq: last, at: new Date(), stream: 'stdout', step: 'build', text: `bench-done ${written}` }]);
    publish([], { status: 'SUCCEEDED', lastSeq: last });
    void publishing.then(() => process.send({ type: 'done', lines: written }));
  };
  tick();
}

process.on('message', (message) => {
  if (message.type === 'prepare') {
    opts = message;
    redis = new Redis(opts.url, { lazyConnect: true });
    redis
      .connect()
      .then(() => process.send({ type: 'prepared' }))
      .catch((error) => {
        process.stderr.write(`redis-emit.js: ${error.message}\n`);
        process.exit(1);
      });
  } else if (message.type === 'go') {
    emit();
  }
});
process.on('disconnect', () => process.exit(0));
