'use strict';

/**
 * The build command of the log benchmarks (`node emit.js ...`): bench/builds/run.js commits this
 * file into the benchmark's git repository, and the build runs it in the sandbox, where only
 * /usr/bin/node and Node's built-ins exist.
 *
 * It writes `--lines` lines to stdout at `--rate` lines per second, each stamped with the time it
 * was written, then one line saying how many it wrote:
 *
 *   bench-line <n> <monotonic µs> <Date.now() ms> xxxx…   (padded to --size bytes)
 *   bench-done <lines>
 *
 * The monotonic clock (process.hrtime) is the machine's: every process reads the same one, in the
 * sandbox too, so a subscriber subtracts the stamp from its own reading. The lines due are written
 * every millisecond, one write() each, as a program printing a steady stream does.
 *
 * --go=PORT: first connect to 127.0.0.1:PORT (the build has the network) and start only once the
 * benchmark answers "go", so every subscriber is in place before the first line. Exits 2 when the
 * benchmark does not answer within 15 minutes (it may wait that long for a quiet machine).
 */

const net = require('node:net');

const opts = { rate: 1000, lines: 1000, size: 100, go: 0 };
for (const arg of process.argv.slice(2)) {
  const match = /^--(rate|lines|size|go)=(\d+)$/.exec(arg);
  if (!match) {
    process.stderr.write(`emit.js: unknown argument ${arg}\n`);
    process.exit(2);
  }
  opts[match[1]] = Number(match[2]);
}

const nowUs = () => process.hrtime.bigint() / 1000n;

function emit() {
  const padding = 'x'.repeat(opts.size);
  const start = process.hrtime.bigint();
  let written = 0;
  const tick = () => {
    const elapsedNs = Number(process.hrtime.bigint() - start);
    const due = Math.min(opts.lines, Math.floor((elapsedNs * opts.rate) / 1e9) + 1);
    if (due > written) {
      const stamp = `${nowUs()} ${Date.now()} `;
      let chunk = '';
      for (let n = written + 1; n <= due; n++) {
        const head = `bench-line ${n} ${stamp}`;
        chunk += `${head}${padding.slice(0, Math.max(0, opts.size - head.length))}\n`;
      }
      process.stdout.write(chunk);
      written = due;
    }
    if (written < opts.lines) setTimeout(tick, 1);
    else process.stdout.write(`bench-done ${written}\n`);
  };
  tick();
}

if (opts.go) {
  const socket = net.connect({ host: '127.0.0.1', port: opts.go });
  const timer = setTimeout(() => {
    process.stderr.write('emit.js: no go from the benchmark within 15 minutes\n');
    process.exit(2);
  }, 15 * 60_000);
  socket.setEncoding('utf8');
  socket.on('connect', () => socket.write('ready\n'));
  socket.on('data', (data) => {
    if (!data.includes('go')) return;
    clearTimeout(timer);
    socket.end();
    emit();
  });
  socket.on('error', (error) => {
    process.stderr.write(`emit.js: cannot reach the benchmark: ${error.message}\n`);
    process.exit(2);
  });
} else {
  emit();
}
