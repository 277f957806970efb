'use strict';

/**
 * The analytics benchmark's points: the platform's own metrics as a busy project records them,
 * the same for the recorder and for the raw MongoDB baseline. Point `i` of `total` falls at an even
 * share of [start, end) and its value is a pure function of `i`, so every run stores the same data.
 */

const OPERATIONS = ['project', 'builds', 'createBuild', 'functions', 'invokeFunction', 'updateProject'];
const FUNCTIONS = ['resize', 'thumbnail', 'webhook-in', 'cron-cleanup'];

/** A fraction in [0, 1) from `i` (a 32-bit integer hash: cheap and well spread). */
function unit(i, salt) {
  let h = (i * 2654435761 + salt * 40503) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 2246822507) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

/** A log-normal-ish latency in ms around `median`. */
const latency = (i, median) => Math.round(median * Math.exp((unit(i, 7) + unit(i, 11) + unit(i, 13) - 1.5) * 1.6));

/** The metric point `i`: one of the platform's metrics, mostly API requests and invocations, as in real use. */
function point(i, at) {
  const kind = i % 100;
  if (kind < 55) {
    const operation = OPERATIONS[i % OPERATIONS.length];
    return {
      name: 'slipway.api.request',
      value: latency(i, 12),
      unit: 'ms',
      labels: { operation, outcome: unit(i, 3) < 0.02 ? 'error' : 'ok' },
      at,
    };
  }
  if (kind < 90) {
    return {
      name: 'slipway.function.invocation',
      value: latency(i, 25),
      unit: 'ms',
      labels: {
        function: FUNCTIONS[i % FUNCTIONS.length],
        status: unit(i, 5) < 0.03 ? 'error' : 'ok',
        cold: unit(i, 17) < 0.05 ? 'true' : 'false',
      },
      at,
    };
  }
  if (kind < 96) {
    return {
      name: 'slipway.webhook.delivery',
      value: latency(i, 40),
      unit: 'ms',
      labels: { outcome: 'delivered' },
      at,
    };
  }
  if (kind < 98) {
    const failed = unit(i, 19) < 0.1;
    return {
      name: 'slipway.build.duration',
      value: latency(i, 45_000),
      unit: 'ms',
      labels: { outcome: failed ? 'failed' : 'succeeded' },
      at,
    };
  }
  if (kind < 99) return { name: 'slipway.build.queue_wait', value: latency(i, 800), unit: 'ms', at };
  return { name: 'slipway.deployment.created', value: 1, unit: 'count', at };
}

/** Points `from` .. `from + count - 1` of `total`, spread over [start, end) (times in ms since the epoch). */
function pointsFor(from, count, total, start, end) {
  const span = end - start;
  const out = new Array(count);
  for (let k = 0; k < count; k++) {
    const i = from + k;
    out[k] = point(i, start + Math.floor((i * span) / total));
  }
  return out;
}

module.exports = { pointsFor };
