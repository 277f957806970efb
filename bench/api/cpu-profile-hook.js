'use strict';

/**
 * Preloaded into a benchmarked server by `node bench/api/run.js --profile`
 * (`node -r ./bench/api/cpu-profile-hook.js dist/main.js`, spawned with an IPC channel).
 * The message `cpu-profile:start` starts the V8 sampling profiler; `cpu-profile:stop` stops it,
 * writes `$BENCH_CPU_PROFILE_DIR/$BENCH_CPU_PROFILE_LABEL-<n>.cpuprofile` and answers
 * `{ type: 'cpu-profile:written', file }`. Open the file in Chrome DevTools or summarise it with
 * bench/api/profile-summary.js.
 *
 * This profiles only the measured period, unlike `node --cpu-prof` (which includes start-up and
 * is lost when Nest's shutdown hook re-raises the signal). It is driven over IPC, not signals,
 * because `app.enableShutdownHooks()` closes the application on SIGUSR2 as well.
 * Benchmark tooling only; the application never loads it.
 */

const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROFILE_DIR;
const label = process.env.BENCH_CPU_PROFILE_LABEL || `pid${process.pid}`;
const intervalUs = Number(process.env.BENCH_CPU_PROFILE_INTERVAL_US || 500);

if (dir && typeof process.send === 'function') {
  // The channel must not keep the server alive once Nest has closed it.
  if (process.channel) process.channel.unref();
  const session = new inspector.Session();
  session.connect();
  let count = 0;
  let queue = Promise.resolve();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  const reply = (message) => {
    if (process.connected) process.send(message);
  };

  process.on('message', (message) => {
    if (message === 'cpu-profile:start') {
      queue = queue
        .then(() => post('Profiler.enable'))
        .then(() => post('Profiler.setSamplingInterval', { interval: intervalUs }))
        .then(() => post('Profiler.start'))
        .then(() => reply({ type: 'cpu-profile:started' }));
    } else if (message === 'cpu-profile:stop') {
      queue = queue
        .then(() => post('Profiler.stop'))
        .then(({ profile }) => {
          fs.mkdirSync(dir, { recursive: true });
          const file = path.join(dir, `${label}-${++count}.cpuprofile`);
          fs.writeFileSync(`${file}.tmp`, JSON.stringify(profile));
          fs.renameSync(`${file}.tmp`, file);
          reply({ type: 'cpu-profile:written', file });
        });
    } else {
      return;
    }
    queue = queue.catch((error) => {
      process.stderr.write(`[cpu-profile] ${error.stack || error}\n`);
      reply({ type: 'cpu-profile:error', message: String(error) });
    });
  });
}
