#!/usr/bin/env node
'use strict';

/**
 * Summarises a V8 .cpuprofile (from `node bench/api/run.js --profile`): self time per package
 * (node_modules/<pkg>, the application's dist/, Node internals, GC, idle), then the functions
 * with the most self time, then the inclusive time of frames whose name or file matches
 * --focus patterns (synchronous stacks only: time spent after an `await` is not attributed).
 *
 * Usage: node bench/api/profile-summary.js FILE.cpuprofile [--top=N] [--focus=regex,regex]
 */

const fs = require('node:fs');
const path = require('node:path');

function parseArgs(argv) {
  const opts = { file: null, top: 30, focus: [] };
  for (const arg of argv) {
    if (arg.startsWith('--top=')) opts.top = Number(arg.slice(6));
    else if (arg.startsWith('--focus='))
      opts.focus = arg
        .slice(8)
        .split(',')
        .filter(Boolean)
        .map((s) => new RegExp(s));
    else if (!opts.file) opts.file = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!opts.file)
    throw new Error('usage: node bench/api/profile-summary.js FILE.cpuprofile [--top=N] [--focus=regex,...]');
  return opts;
}

function categoryOf(frame) {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program: native/VM)';
    if (functionName === '(root)') return '(root)';
    return '(native)';
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) {
    const rel = url.slice(dist + '/dist/'.length).split('/');
    return `app: ${rel.length > 1 ? rel[0] : rel[0].replace(/\.js$/, '')}`;
  }
  return url.replace(/^file:\/\//, '');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const profile = JSON.parse(fs.readFileSync(opts.file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);

  // Self time per node from samples and time deltas (microseconds).
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] !== undefined ? timeDeltas[i + 1] : 0;
    self.set(samples[i], (self.get(samples[i]) || 0) + Math.max(0, dt));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  let idle = 0;
  for (const [id, t] of self) if (nodes.get(id).callFrame.functionName === '(idle)') idle += t;
  const busy = total - idle;

  const byCategory = new Map();
  const byFunction = new Map();
  for (const [id, t] of self) {
    const frame = nodes.get(id).callFrame;
    const cat = categoryOf(frame);
    byCategory.set(cat, (byCategory.get(cat) || 0) + t);
    const key = `${frame.functionName || '(anonymous)'}  ${frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : ''}  [${cat}]`;
    byFunction.set(key, (byFunction.get(key) || 0) + t);
  }

  const ms = (us) => (us / 1000).toFixed(0).padStart(7);
  const share = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  const out = [];
  out.push(`${opts.file}`);
  out.push(
    `sampled ${ms(total).trim()} ms, idle ${ms(idle).trim()} ms, busy ${ms(busy).trim()} ms (${share(busy, total).trim()} of the period)`,
  );
  out.push('');
  out.push('self time by package (share of busy time):');
  for (const [cat, t] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    if (cat === '(idle)') continue;
    out.push(`  ${ms(t)} ms ${share(t, busy)}  ${cat}`);
  }
  out.push('');
  out.push(`top ${opts.top} functions by self time:`);
  for (const [fn, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, opts.top)) {
    if (fn.startsWith('(idle)')) continue;
    out.push(`  ${ms(t)} ms ${share(t, busy)}  ${fn}`);
  }

  if (opts.focus.length > 0) {
    // Inclusive time: a sample counts once for a pattern if any frame on its stack matches.
    out.push('');
    out.push('inclusive time of matching frames (synchronous stacks only):');
    for (const re of opts.focus) {
      let t = 0;
      for (const [id, st] of self) {
        for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
          const f = nodes.get(cur).callFrame;
          if (re.test(`${f.functionName} ${f.url}`)) {
            t += st;
            break;
          }
        }
      }
      out.push(`  ${ms(t)} ms ${share(t, busy)}  /${re.source}/`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
