// The Node.js bootstrap: loads a function's handler into this process and serves its invocations,
// one at a time, over the line protocol of runtimes/README.md (requests on fd 0, replies on fd 3).
import { existsSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TASK_DIR = process.cwd();
const REPLIES = 3;
const EXTENSIONS = ['.js', '.mjs', '.cjs'];

let handler = null;
let fn = null;
let current = null;

function reply(message) {
  const line = `${JSON.stringify(message)}\n`;
  let offset = 0;
  const bytes = Buffer.from(line);
  while (offset < bytes.length) offset += writeSync(REPLIES, bytes, offset);
}

const SELF = import.meta.url;

/** The stack as the user's code made it: the bootstrap's own frames and Node's internals left out. */
function userStack(stack) {
  return String(stack ?? '')
    .split('\n')
    .filter((line) => !line.includes(SELF) && !line.includes('node:internal'))
    .join('\n');
}

function describe(error) {
  if (error instanceof Error) {
    return { type: error.name || error.constructor?.name || 'Error', message: error.message, stack: userStack(error.stack) };
  }
  return { type: 'Error', message: typeof error === 'string' ? error : safeJson(error) ?? String(error), stack: '' };
}

function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

async function load(message) {
  Object.assign(process.env, message.env ?? {});
  fn = message.function ?? {};
  const spec = String(message.handler ?? 'index.handler');
  const dot = spec.lastIndexOf('.');
  const file = dot > 0 ? spec.slice(0, dot) : spec;
  const exportName = dot > 0 ? spec.slice(dot + 1) : 'default';
  const base = path.resolve(TASK_DIR, file);
  const found = EXTENSIONS.map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (!found) {
    throw Object.assign(new Error(`No file ${file}.js, ${file}.mjs or ${file}.cjs in the function's code`), {
      name: 'HandlerNotFound',
    });
  }
  const loaded = await import(pathToFileURL(found).href);
  const candidates = [loaded[exportName], loaded.default?.[exportName], loaded.default];
  handler = candidates.find((candidate) => typeof candidate === 'function') ?? null;
  if (!handler) {
    throw Object.assign(new Error(`${path.basename(found)} exports no function ${exportName} (nor a default one)`), {
      name: 'HandlerNotFound',
    });
  }
}

function endOutput(id) {
  const marker = `\u001eslipway:end:${id}\u001e\n`;
  writeSync(1, marker);
  writeSync(2, marker);
}

async function invoke(message) {
  const startedCpu = process.cpuUsage();
  const deadline = Number(message.deadlineMs) || Date.now() + 3_600_000;
  const context = {
    functionName: fn.name,
    functionVersion: fn.version,
    invocationId: message.id,
    memoryLimitMb: fn.memoryMb,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  current = message.id;
  let outcome;
  try {
    const result = await handler(message.event, context);
    const json = result === undefined ? 'null' : safeJson(result);
    outcome =
      json === undefined
        ? { ok: false, error: describe(new TypeError("The handler's result cannot be turned into JSON")) }
        : { ok: true, json };
  } catch (error) {
    outcome = { ok: false, error: describe(error) };
  }
  finish(message.id, outcome, startedCpu);
}

function finish(id, outcome, startedCpu) {
  current = null;
  const used = process.cpuUsage(startedCpu);
  const cpuMs = (used.user + used.system) / 1000;
  endOutput(id);
  if (outcome.ok) {
    // The result is already JSON: spliced in rather than parsed and written again.
    const head = JSON.stringify({ type: 'result', id, ok: true, cpuMs }).slice(0, -1);
    const line = Buffer.from(`${head},"result":${outcome.json}}\n`);
    let offset = 0;
    while (offset < line.length) offset += writeSync(REPLIES, line, offset);
  } else {
    reply({ type: 'result', id, ok: false, error: outcome.error, cpuMs });
  }
}

// An error thrown outside the handler's promise (a timer, an event) ends the invocation in flight
// with that error, then the process: its state can no longer be trusted.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    if (current !== null) finish(current, { ok: false, error: describe(error) }, process.cpuUsage());
    else process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

let pending = '';
let busy = Promise.resolve();

async function handle(line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.type === 'load') {
    try {
      await load(message);
      reply({ type: 'loaded' });
    } catch (error) {
      reply({ type: 'load_error', error: describe(error) });
      process.exit(1);
    }
  } else if (message.type === 'invoke') {
    await invoke(message);
  }
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    busy = busy.then(() => handle(line));
  }
});
process.stdin.on('end', () => busy.then(() => process.exit(0)));

reply({ type: 'ready' });
