import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor } from './support/graphql-client';
import {
  operations,
  type FunctionInvocation,
  type FunctionRuntimeInfo,
  type Operations,
  type Project,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Every runtime this host offers besides Node.js 20 (test/functions.e2e-spec.ts has that one), end
 * to end through the API: a handler written as its language's usual templates write one, run in the
 * sandbox with its event, variables, context, logs and state; asynchronously; failing, timing out,
 * running out of memory; versioned and rolled back; disabled; and kept from the platform's secrets
 * and, without network, from the host's loopback.
 */

type Language = 'nodejs' | 'python' | 'ruby' | 'go';
type Files = Record<string, string>;

/** The runtimes the setup step installs: missing, they fail here rather than go untested. */
const REQUIRED = ['nodejs22', 'python3.11', 'go1.21'];
const ROOT = path.resolve(__dirname, '..');

/**
 * The runtimes this file tests, known before the API starts (jest needs its table up front): what
 * the catalog behind the `runtimes` query finds available, the required ones whatever it finds. The
 * first test checks that the query reports exactly these.
 */
function runtimesToTest(): string[] {
  const catalog = path.join(ROOT, 'dist', 'functions', 'runtimes', 'runtime-catalog.js');
  const script = `require(${JSON.stringify(catalog)})
    .discoverRuntimes({ runtimesDir: process.argv[1] })
    .then((all) => process.stdout.write(JSON.stringify(all.filter((r) => r.available).map((r) => r.id))));`;
  // The API's FUNCTION_RUNTIMES_DIR: its default, relative to the working directory.
  const found = JSON.parse(
    execFileSync(process.execPath, ['-e', script, path.resolve('.runtimes')], { encoding: 'utf8' }),
  ) as string[];
  return [...new Set([...REQUIRED, ...found])].filter((id) => id !== 'nodejs20').sort(byLanguage);
}

const LANGUAGES: Language[] = ['nodejs', 'python', 'ruby', 'go'];
function languageOf(id: string): Language {
  const language = LANGUAGES.find((l) => id.startsWith(l));
  if (!language) throw new Error(`No handlers written for the runtime ${id}`);
  return language;
}
function byLanguage(a: string, b: string): number {
  return (
    LANGUAGES.indexOf(languageOf(a)) - LANGUAGES.indexOf(languageOf(b)) || a.localeCompare(b, 'en', { numeric: true })
  );
}

/** The line of `files[file]` holding `marker`, 1-based. */
function lineOf(files: Files, file: string, marker: string): number {
  const line = files[file]!.split('\n').findIndex((text) => text.includes(marker)) + 1;
  if (line === 0) throw new Error(`${marker} is not in ${file}`);
  return line;
}

/** Where a failure is, to find in its stack: the file, a text on the line, and how the stack names them. */
interface Failure {
  file: string;
  marker: string;
  type: string;
  stack: (line: number) => string;
}

/** What each test runs, per language, as that language's templates write a handler. */
interface Handlers {
  /**
   * Logs once when loaded and once per invocation; returns the event greeted and doubled, the
   * GREETING variable, the function's name from its context and how many invocations it has served.
   */
  echo: Files;
  /** Fails in a function of its own (`chargeCard`) on the line holding `fails.marker`. */
  fail: Files;
  fails: Failure;
  /** Reads API_URL as it loads, failing on the line holding `loadFails.marker` when it is not set; returns its host. */
  config: Files;
  loadFails: Failure;
  /** Never returns. */
  sleep: Files;
  /**
   * Handlers that allocate, keeping all of it, until they cannot: `what` they allocate, and what the
   * runtime says when it cannot, as the invocation's stack shows it.
   */
  hogs: Array<{ what: string; files: Files; outOfMemory: RegExp }>;
  /** Returns `{ version: label }`. */
  version: (label: string) => Files;
  /**
   * Reads the event's `path` and connects to 127.0.0.1 at its `port`, reading what the server says;
   * returns the platform's canary variable (null when unset), the file (or `denied:…`) and the
   * connection (`connected:<what it read>` or `refused:…`).
   */
  probe: Files;
}

const NODE_FAIL = `function chargeCard(order) {
  throw new TypeError(\`card declined for order \${order.id}\`);
}

exports.handler = async (event) => {
  chargeCard(event);
  return { charged: true };
};
`;

const PYTHON_FAIL = `def charge_card(order):
    raise ValueError(f"card declined for order {order['id']}")


def handler(event, context):
    charge_card(event)
    return {"charged": True}
`;

const RUBY_FAIL = `def charge_card(order)
  raise ArgumentError, "card declined for order #{order['id']}"
end

def handler(event:, context:)
  charge_card(event)
  { charged: true }
end
`;

/** A returned error, or with `"panic": true` a runtime panic (a write to a nil map). */
const GO_FAIL = `package main

import (
	"context"
	"fmt"
)

type Order struct {
	ID    string \`json:"id"\`
	Panic bool   \`json:"panic"\`
}

var declined map[string]bool

func chargeCard(order Order) error {
	if order.Panic {
		declined[order.ID] = true
	}
	return fmt.Errorf("card declined for order %s", order.ID)
}

func Handle(ctx context.Context, order Order) (any, error) {
	if err := chargeCard(order); err != nil {
		return nil, err
	}
	return map[string]bool{"charged": true}, nil
}
`;

const HANDLERS: Record<Language, Handlers> = {
  nodejs: {
    echo: {
      'index.mjs': `let invocations = 0;
console.log('cold start');

export default async (event, context) => {
  invocations += 1;
  console.log(\`processing \${event.name}\`);
  return {
    message: \`Hello, \${event.name}!\`,
    doubled: event.numbers.map((n) => n * 2),
    greeting: process.env.GREETING ?? null,
    functionName: context.functionName,
    invocations,
  };
};
`,
    },
    fail: { 'index.js': NODE_FAIL },
    config: {
      'index.mjs': `const apiUrl = new URL(process.env.API_URL);

export default async () => ({ host: apiUrl.host });
`,
    },
    loadFails: {
      file: 'index.mjs',
      marker: 'new URL',
      type: 'TypeError',
      stack: (line) => `file:///var/task/index.mjs:${line}:`,
    },
    fails: {
      file: 'index.js',
      marker: 'throw new TypeError',
      type: 'TypeError',
      stack: (line) => `/var/task/index.js:${line}:`,
    },
    sleep: { 'index.mjs': 'export const handler = () => new Promise((resolve) => setTimeout(resolve, 3_600_000));\n' },
    hogs: [
      {
        what: 'buffers of 8 MB',
        outOfMemory: /^RangeError: Array buffer allocation failed/,
        files: {
          'index.mjs': `export const handler = async () => {
  const chunks = [];
  for (;;) chunks.push(Buffer.alloc(8 * 1024 * 1024, 1));
};
`,
        },
      },
    ],
    version: (label) => ({ 'index.mjs': `export const handler = async () => ({ version: '${label}' });\n` }),
    probe: {
      'index.mjs': `import { readFileSync } from 'node:fs';
import net from 'node:net';

const connect = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (data) => resolve(\`connected:\${data}\`));
    socket.on('error', (error) => resolve(\`refused:\${error.code ?? error.message}\`));
  });

export const handler = async (event) => {
  let file;
  try {
    file = readFileSync(event.path, 'utf8');
  } catch (error) {
    file = \`denied:\${error.code}\`;
  }
  return { canary: process.env.SLIPWAY_PLATFORM_CANARY ?? null, file, connect: await connect(event.port) };
};
`,
    },
  },
  python: {
    echo: {
      'main.py': `import os

invocations = 0
print("cold start")


def handler(event, context):
    global invocations
    invocations += 1
    print(f"processing {event['name']}")
    return {
        "message": f"Hello, {event['name']}!",
        "doubled": [n * 2 for n in event["numbers"]],
        "greeting": os.environ.get("GREETING"),
        "functionName": context.function_name,
        "invocations": invocations,
    }
`,
    },
    fail: { 'main.py': PYTHON_FAIL },
    config: {
      'main.py': `import os
from urllib.parse import urlparse

API_URL = os.environ["API_URL"]


def handler(event, context):
    return {"host": urlparse(API_URL).netloc}
`,
    },
    loadFails: {
      file: 'main.py',
      marker: 'os.environ["API_URL"]',
      type: 'KeyError',
      stack: (line) => `File "/var/task/main.py", line ${line}, in <module>`,
    },
    fails: {
      file: 'main.py',
      marker: 'raise ValueError',
      type: 'ValueError',
      stack: (line) => `File "/var/task/main.py", line ${line}, in charge_card`,
    },
    sleep: { 'main.py': 'import time\n\n\ndef handler(event, context):\n    time.sleep(3600)\n' },
    hogs: [
      {
        what: 'buffers of 8 MB',
        outOfMemory: /\nMemoryError$/,
        files: {
          'main.py': `def handler(event, context):
    chunks = []
    while True:
        chunks.append(bytearray(8 * 1024 * 1024))
`,
        },
      },
    ],
    version: (label) => ({ 'main.py': `def handler(event, context):\n    return {"version": "${label}"}\n` }),
    probe: {
      'main.py': `import os
import socket


def handler(event, context):
    try:
        with open(event["path"]) as f:
            file = f.read()
    except OSError as error:
        file = f"denied:{type(error).__name__}"
    try:
        with socket.create_connection(("127.0.0.1", event["port"]), timeout=2) as connection:
            connect = "connected:" + connection.recv(64).decode()
    except OSError as error:
        connect = f"refused:{type(error).__name__}"
    return {"canary": os.environ.get("SLIPWAY_PLATFORM_CANARY"), "file": file, "connect": connect}
`,
    },
  },
  ruby: {
    echo: {
      'function.rb': `$invocations = 0
puts 'cold start'

def handler(event:, context:)
  $invocations += 1
  puts "processing #{event['name']}"
  {
    message: "Hello, #{event['name']}!",
    doubled: event['numbers'].map { |n| n * 2 },
    greeting: ENV['GREETING'],
    functionName: context[:function_name],
    invocations: $invocations
  }
end
`,
    },
    fail: { 'function.rb': RUBY_FAIL },
    config: {
      'function.rb': `require 'uri'

API_URL = URI(ENV.fetch('API_URL'))

def handler(event:, context:)
  { host: API_URL.host }
end
`,
    },
    loadFails: {
      file: 'function.rb',
      marker: "ENV.fetch('API_URL')",
      type: 'KeyError',
      stack: (line) => `/var/task/function.rb:${line}:in`,
    },
    fails: {
      file: 'function.rb',
      marker: 'raise ArgumentError',
      type: 'ArgumentError',
      stack: (line) => `/var/task/function.rb:${line}:in`,
    },
    sleep: { 'function.rb': 'def handler(event:, context:)\n  sleep\nend\n' },
    hogs: [
      {
        what: 'strings of 8 MB',
        // Ruby raises the one NoMemoryError it keeps for this, without a backtrace.
        outOfMemory: /^failed to allocate memory \(NoMemoryError\)$/,
        files: {
          'function.rb': `def handler(event:, context:)
  chunks = []
  loop { chunks << ('x' * 8 * 1024 * 1024) }
end
`,
        },
      },
      {
        what: 'small objects',
        // Its object heap cannot grow during a collection: the process ends, saying so.
        outOfMemory: /^\[FATAL\] failed to allocate memory$/,
        files: {
          'function.rb': `def handler(event:, context:)
  orders = []
  loop { orders << { id: orders.size, items: [orders.size] * 4 } }
end
`,
        },
      },
    ],
    version: (label) => ({ 'function.rb': `def handler(event:, context:)\n  { version: '${label}' }\nend\n` }),
    probe: {
      'function.rb': `require 'socket'

def handler(event:, context:)
  file = begin
    File.read(event['path'])
  rescue SystemCallError => e
    "denied:#{e.class.name}"
  end
  connect = begin
    Socket.tcp('127.0.0.1', event['port'], connect_timeout: 2) { |socket| "connected:#{socket.read}" }
  rescue SystemCallError, IOError => e
    "refused:#{e.class.name}"
  end
  { canary: ENV['SLIPWAY_PLATFORM_CANARY'], file: file, connect: connect }
end
`,
    },
  },
  go: {
    echo: {
      'handler.go': `package main

import (
	"context"
	"fmt"
	"os"
)

type Event struct {
	Name    string \`json:"name"\`
	Numbers []int  \`json:"numbers"\`
}

var invocations int

func init() {
	fmt.Println("cold start")
}

func Handle(ctx context.Context, event Event) (any, error) {
	invocations++
	fmt.Printf("processing %s\\n", event.Name)
	info, _ := SlipwayContextFrom(ctx)
	doubled := make([]int, len(event.Numbers))
	for i, n := range event.Numbers {
		doubled[i] = n * 2
	}
	return map[string]any{
		"message":      fmt.Sprintf("Hello, %s!", event.Name),
		"doubled":      doubled,
		"greeting":     os.Getenv("GREETING"),
		"functionName": info.FunctionName,
		"invocations":  invocations,
	}, nil
}
`,
    },
    fail: { 'handler.go': GO_FAIL },
    config: {
      'handler.go': `package main

import (
	"context"
	"net/url"
	"os"
)

var apiURL = mustParse(os.Getenv("API_URL"))

func mustParse(raw string) *url.URL {
	parsed, err := url.Parse(raw)
	if err != nil || parsed.Host == "" {
		panic("API_URL is not a URL: " + raw)
	}
	return parsed
}

func Handle(ctx context.Context, event map[string]any) (any, error) {
	return map[string]string{"host": apiURL.Host}, nil
}
`,
    },
    // A panic as the package initializes, before the bootstrap runs: the binary dies as it starts.
    loadFails: {
      file: 'handler.go',
      marker: 'panic("API_URL',
      type: 'ProcessExited',
      stack: (line) => `function/handler.go:${line}`,
    },
    fails: {
      file: 'handler.go',
      marker: 'declined[order.ID] = true',
      type: 'panic',
      // -trimpath: the module's path, then the file's.
      stack: (line) => `function/handler.go:${line}`,
    },
    sleep: {
      'handler.go': `package main

import (
	"context"
	"time"
)

func Handle(ctx context.Context, event map[string]any) (any, error) {
	time.Sleep(time.Hour)
	return nil, nil
}
`,
    },
    // A crash, not an error: what it wrote to stderr as it died, the cause first (the heap or its
    // metadata, whichever could not grow), then every goroutine. Not small objects: Go 1.26's
    // collector sometimes dies of a SIGSEGV instead when its own allocation fails.
    hogs: [
      {
        what: 'slices of 8 MB',
        outOfMemory: /^fatal error: (runtime: )?(out of memory|cannot allocate memory)/,
        files: {
          'handler.go': `package main

import "context"

var chunks [][]byte

func Handle(ctx context.Context, event map[string]any) (any, error) {
	for {
		chunks = append(chunks, make([]byte, 8*1024*1024))
	}
}
`,
        },
      },
    ],
    version: (label) => ({
      'handler.go': `package main

import "context"

func Handle(ctx context.Context, event map[string]any) (any, error) {
	return map[string]string{"version": "${label}"}, nil
}
`,
    }),
    probe: {
      'handler.go': `package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

type Probe struct {
	Path string \`json:"path"\`
	Port int    \`json:"port"\`
}

func Handle(ctx context.Context, probe Probe) (any, error) {
	var canary any
	if value, ok := os.LookupEnv("SLIPWAY_PLATFORM_CANARY"); ok {
		canary = value
	}
	file := ""
	if data, err := os.ReadFile(probe.Path); err != nil {
		file = "denied:" + err.Error()
	} else {
		file = string(data)
	}
	connect := ""
	if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", probe.Port), 2*time.Second); err != nil {
		connect = "refused:" + err.Error()
	} else {
		defer conn.Close()
		data, _ := io.ReadAll(conn)
		connect = "connected:" + string(data)
	}
	return map[string]any{"canary": canary, "file": file, "connect": connect}, nil
}
`,
    },
  },
};

const TESTED = runtimesToTest();

describe('function runtimes', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let project: Project;
  let runtimes: FunctionRuntimeInfo[];
  const canaryDir = mkdtempSync(path.join(tmpdir(), 'slipway-fn-canary-'));
  const canary = path.join(canaryDir, 'secret.txt');
  let server: Server;
  let port: number;

  beforeAll(async () => {
    writeFileSync(canary, 'the platform can read this');
    // The API runs in this process: a function must not see its environment.
    process.env.SLIPWAY_PLATFORM_CANARY = 'platform-secret-value';
    server = createServer((socket) => socket.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    api = await startTestApp();
    on = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
    runtimes = ok(await on.functions.runtimes(owner.accessToken)).runtimes;
  });

  afterAll(async () => {
    delete process.env.SLIPWAY_PLATFORM_CANARY;
    await api?.close();
    server?.close();
    rmSync(canaryDir, { recursive: true, force: true });
  });

  it('offers the runtimes the setup step installs, and says why a promised one is missing', () => {
    const available = runtimes.filter((r) => r.available).map((r) => r.id);
    expect(available).toEqual(expect.arrayContaining(REQUIRED));
    expect(available.filter((id) => id !== 'nodejs20').sort(byLanguage)).toEqual(TESTED);
    for (const runtime of runtimes.filter((r) => !r.available)) {
      expect([runtime.id, runtime.reason]).toEqual([runtime.id, expect.stringMatching(/\S/)]);
    }
    const ruby32 = runtimes.find((r) => r.id === 'ruby3.2');
    expect(ruby32).toMatchObject({ promised: true });
    if (!ruby32!.available) expect(ruby32!.reason).toMatch(/not installed on this host: no Ruby 3\.2/);
  });

  describe.each(TESTED)('%s', (runtime) => {
    const language = languageOf(runtime);
    const handlers = HANDLERS[language];
    // Compiling a Go version takes a while; the first one builds the toolchain's cache.
    const slow = language === 'go' ? 90_000 : 30_000;
    const created: string[] = [];

    const create = async (name: string, files: Files, extra: Record<string, unknown> = {}) => {
      const fn = ok(
        await on.functions.create(owner.accessToken, {
          projectId: project.id,
          name: `${runtime.replace('.', '-')}-${name}`,
          runtime,
          files: Object.entries(files).map(([p, content]) => ({ path: p, content })),
          ...extra,
        }),
      ).createFunction;
      created.push(fn.id);
      return fn;
    };

    const invoke = async (functionId: string, payload: unknown = {}): Promise<FunctionInvocation> =>
      ok(await on.functions.invoke(owner.accessToken, { functionId, payload })).invokeFunction;

    const texts = (run: FunctionInvocation): string[] => run.logs.map((line) => line.text);

    /**
     * The invocation the timeout test (the last) checks, started with the block, so that the second
     * it takes passes while the other tests run.
     */
    let sleeping: Promise<FunctionInvocation>;

    beforeAll(() => {
      const info = runtimes.find((r) => r.id === runtime);
      if (!info?.available) throw new Error(`${runtime} is not available: ${info?.reason ?? 'not listed by runtimes'}`);
      sleeping = create('sleep', handlers.sleep, { timeoutSeconds: 1 }).then((fn) => invoke(fn.id));
      // Its failure is the timeout test's to report.
      sleeping.catch(() => undefined);
    });

    afterAll(async () => {
      await sleeping?.catch(() => undefined);
      await Promise.all(created.map((functionId) => on.functions.delete(owner.accessToken, { functionId })));
    });

    it(
      'runs a handler synchronously: its event, its variables, its context and its logs',
      async () => {
        const fn = await create('echo', handlers.echo, { env: [{ key: 'GREETING', value: 'hi' }] });
        expect(fn).toMatchObject({ runtime, activeVersion: 1, envKeys: ['GREETING'] });

        const run = await invoke(fn.id, { name: 'world', numbers: [1, 2, 3] });
        expect(run).toMatchObject({ status: 'SUCCEEDED', mode: 'SYNC', version: 1, error: null });
        expect(run.result).toEqual({
          message: 'Hello, world!',
          doubled: [2, 4, 6],
          greeting: 'hi',
          functionName: fn.name,
          invocations: 1,
        });
        expect(texts(run)).toEqual(['cold start', 'processing world']);
        expect(run.peakMemoryBytes).toBeGreaterThan(0);
      },
      slow,
    );

    it(
      'starts cold, then serves the next invocation warm from the same process, its state kept',
      async () => {
        const fn = await create('warm', handlers.echo);
        const first = await invoke(fn.id, { name: 'first', numbers: [] });
        expect(first).toMatchObject({ status: 'SUCCEEDED', coldStart: true });
        expect(first.coldStartMs).toBeGreaterThan(0);
        const second = await invoke(fn.id, { name: 'second', numbers: [] });
        expect(second).toMatchObject({ status: 'SUCCEEDED', coldStart: false, coldStartMs: null });
        expect(second.result).toMatchObject({ invocations: 2 });
        expect(texts(second)).toEqual(['processing second']);
      },
      slow,
    );

    it(
      'runs an async invocation to SUCCEEDED',
      async () => {
        const fn = await create('async', handlers.echo);
        const queued = ok(
          await on.functions.invoke(owner.accessToken, {
            functionId: fn.id,
            payload: { name: 'later', numbers: [21] },
            mode: 'ASYNC',
          }),
        ).invokeFunction;
        expect(queued).toMatchObject({ status: 'QUEUED', mode: 'ASYNC', result: null });
        const done = await waitFor(
          async () => {
            const current = ok(await on.functions.invocation(owner.accessToken, { id: queued.id })).invocation;
            return current.status === 'SUCCEEDED' || current.status === 'FAILED' ? current : undefined;
          },
          20_000,
          `the async invocation of ${runtime}`,
        );
        expect(done).toMatchObject({ status: 'SUCCEEDED', mode: 'ASYNC', coldStart: true });
        expect(done.result).toMatchObject({ message: 'Hello, later!', doubled: [42] });
        expect(texts(done)).toContain('processing later');
      },
      slow,
    );

    it(
      "reports a failure with the user's own file and line",
      async () => {
        const fn = await create('fail', handlers.fail);
        const line = lineOf(handlers.fail, handlers.fails.file, handlers.fails.marker);
        if (language === 'go') {
          // A returned error is reported by its type; Go records no stack for one.
          const returned = await invoke(fn.id, { id: 'A-1' });
          expect(returned).toMatchObject({ status: 'FAILED' });
          expect(returned.error).toEqual({
            type: 'errors.errorString',
            message: 'card declined for order A-1',
            stack: '',
          });
        }
        const run = await invoke(fn.id, { id: 'A-1', panic: true });
        expect(run.status).toBe('FAILED');
        expect(run.error).toMatchObject({
          type: handlers.fails.type,
          message:
            language === 'go'
              ? 'assignment to entry in nil map'
              : expect.stringContaining('card declined for order A-1'),
        });
        expect(run.error!.stack).toContain(handlers.fails.stack(line));
        expect(run.error!.stack).not.toMatch(/slipway_bootstrap|bootstrap\/(node\.mjs|python\.py|ruby\.rb)/);
        // The process goes on: the next invocation is warm.
        expect(await invoke(fn.id, { id: 'A-2', panic: true })).toMatchObject({ status: 'FAILED', coldStart: false });
      },
      slow,
    );

    it(
      'reports code that fails as it loads, with its file and line, until its configuration is fixed',
      async () => {
        const fn = await create('config', handlers.config);
        const line = lineOf(handlers.config, handlers.loadFails.file, handlers.loadFails.marker);
        const run = await invoke(fn.id);
        expect(run).toMatchObject({ status: 'FAILED', coldStart: true, error: { type: handlers.loadFails.type } });
        expect(run.error!.stack).toContain(handlers.loadFails.stack(line));
        expect(run.error!.message).not.toBe('');

        ok(
          await on.functions.update(owner.accessToken, {
            functionId: fn.id,
            env: [{ key: 'API_URL', value: 'https://api.example.com/v1' }],
          }),
        );
        expect(await invoke(fn.id)).toMatchObject({ status: 'SUCCEEDED', result: { host: 'api.example.com' } });
      },
      slow,
    );

    it.each(handlers.hogs)(
      'reports MEMORY_LIMIT_EXCEEDED when the handler allocates $what past its memory',
      async ({ what, files, outOfMemory }) => {
        const fn = await create(`hog-${what.toLowerCase().replace(/\W+/g, '-')}`, files, { memoryMb: 128 });
        const run = await invoke(fn.id);
        expect([run.status, run.error]).toEqual(['MEMORY_LIMIT_EXCEEDED', expect.anything()]);
        expect(run.error).toMatchObject({
          type: 'MemoryLimitExceeded',
          message: expect.stringContaining('128 MB'),
          stack: expect.stringMatching(outOfMemory),
        });
      },
      slow,
    );

    it(
      'deploys a new version with updateFunctionCode and rolls back to the first',
      async () => {
        const fn = await create('versions', handlers.version('v1'));
        expect((await invoke(fn.id)).result).toEqual({ version: 'v1' });
        const v2 = ok(
          await on.functions.updateCode(owner.accessToken, {
            functionId: fn.id,
            files: Object.entries(handlers.version('v2')).map(([p, content]) => ({ path: p, content })),
            deploy: true,
          }),
        ).updateFunctionCode;
        expect(v2).toMatchObject({ number: 2, active: true, runtime });
        expect(await invoke(fn.id)).toMatchObject({ result: { version: 'v2' }, version: 2 });

        const back = ok(await on.functions.rollback(owner.accessToken, { functionId: fn.id })).rollbackFunction;
        expect(back.activeVersion).toBe(1);
        expect(await invoke(fn.id)).toMatchObject({ result: { version: 'v1' }, version: 1 });
      },
      slow,
    );

    it(
      'refuses invocations of a disabled function with FUNCTION_DISABLED',
      async () => {
        const fn = await create('switch', handlers.version('v1'));
        ok(await on.functions.toggle(owner.accessToken, { functionId: fn.id, enabled: false }));
        for (const mode of ['SYNC', 'ASYNC']) {
          const refused = await on.functions.invoke(owner.accessToken, { functionId: fn.id, payload: {}, mode });
          expect([mode, codeOf(refused), reasonOf(refused)]).toEqual([mode, 'CONFLICT', 'FUNCTION_DISABLED']);
        }
        ok(await on.functions.toggle(owner.accessToken, { functionId: fn.id, enabled: true }));
        expect((await invoke(fn.id)).result).toEqual({ version: 'v1' });
      },
      slow,
    );

    it(
      "cannot read the platform's variables or its files, nor reach the loopback without network",
      async () => {
        const probe = { path: canary, port };
        const offline = await create('offline', handlers.probe, { network: 'NONE' });
        const online = await create('online', handlers.probe, { network: 'INTERNET' });

        const closed = await invoke(offline.id, probe);
        expect(closed.status).toBe('SUCCEEDED');
        const shut = closed.result as { canary: string | null; file: string; connect: string };
        expect(shut.canary).toBeNull();
        expect(shut.file).toMatch(/^denied:/);
        expect(shut.connect).toMatch(/^refused:/);

        const open = await invoke(online.id, probe);
        expect(open.status).toBe('SUCCEEDED');
        expect(open.result).toMatchObject({ canary: null, file: expect.stringMatching(/^denied:/) });
        expect((open.result as { connect: string }).connect).toBe('connected:hello');
      },
      slow,
    );

    it(
      'stops an invocation at its timeout: TIMED_OUT',
      async () => {
        const run = await sleeping;
        expect(run).toMatchObject({ status: 'TIMED_OUT', error: { type: 'Timeout' } });
        // Node.js's timers count whole milliseconds: the timeout may fire a fraction of one early.
        expect(run.durationMs).toBeGreaterThanOrEqual(999);
        expect(run.durationMs).toBeLessThan(5000);
      },
      slow,
    );
  });
});
