'use strict';

/**
 * The internal-recorder part of the analytics benchmark (bench/analytics/run.js starts it): boots
 * the application from dist/ in this process (the environment is the API's, without listening),
 * then records `--points` points of the platform's own metrics into `--project` through
 * `MetricsRecorderService.record`, `--concurrency` calls of `--batch` points at a time, spread
 * evenly over the last `--days` days. Prints one JSON line: { points, ms }.
 */

require('reflect-metadata');
const path = require('node:path');
const { pointsFor } = require('./points');

const ROOT = path.resolve(__dirname, '..', '..');

async function main() {
  const opts = { points: 1_000_000, batch: 1000, concurrency: 4, days: 7, project: '' };
  for (const arg of process.argv.slice(2)) {
    const match = /^--(points|batch|concurrency|days|project)=(.+)$/.exec(arg);
    if (!match) throw new Error(`recorder.js: unknown argument ${arg}`);
    opts[match[1]] = match[1] === 'project' ? match[2] : Number(match[2]);
  }
  const { loadConfig } = require(path.join(ROOT, 'dist', 'config', 'app-config'));
  const { createApp } = require(path.join(ROOT, 'dist', 'bootstrap'));
  const { MetricsRecorderService } = require(path.join(ROOT, 'dist', 'analytics', 'metrics-recorder.service'));
  const app = await createApp(loadConfig(process.env));
  try {
    const recorder = app.get(MetricsRecorderService);
    const end = Date.now() - 60_000;
    const start = end - opts.days * 86_400_000;
    const batches = Math.ceil(opts.points / opts.batch);
    let next = 0;
    const began = performance.now();
    const worker = async () => {
      for (let b = next++; b < batches; b = next++) {
        const from = b * opts.batch;
        const count = Math.min(opts.batch, opts.points - from);
        const points = pointsFor(from, count, opts.points, start, end).map((p) => ({ ...p, at: new Date(p.at) }));
        await recorder.record(opts.project, points, 'platform');
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const ms = performance.now() - began;
    process.stdout.write(`${JSON.stringify({ points: opts.points, ms })}\n`);
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
