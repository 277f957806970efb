import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../executor/executor';
import { SandboxExecutor, sandboxUnavailableReason } from '../../executor/sandbox-executor';
import { FUNCTION_RUNTIMES } from '../../settings/function-runtimes';
import { discoverRuntimes, GO_SHIM, SANDBOX_BOOTSTRAP_DIR, type RuntimeInstall } from './runtime-catalog';

const RUNTIMES_DIR = path.resolve(__dirname, '..', '..', '..', process.env.FUNCTION_RUNTIMES_DIR ?? '.runtimes');
/** What the setup step installs, and the platform's own Node.js: never missing. */
const ALWAYS = ['nodejs18', 'nodejs20', 'nodejs22', 'go1.21'];

const dirs: string[] = [];
/** A directory the sandbox's users can reach, with executable scripts and files in it. */
function fakeTree(files: Record<string, string>, mode = 0o755): string {
  const root = mkdtempSync(path.join(tmpdir(), 'slipway-runtimes-'));
  chmodSync(root, mode);
  dirs.push(root);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o755 });
  }
  return root;
}
const printing = (text: string): string => `#!/bin/sh\necho '${text}'\n`;
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let runtimes: RuntimeInstall[] = [];
beforeAll(async () => {
  runtimes = await discoverRuntimes({ runtimesDir: RUNTIMES_DIR });
});
const available = (): RuntimeInstall[] => runtimes.filter((r) => r.available);

describe('the runtime catalog of this host', () => {
  it('lists the promised runtimes first, in their order, then those this host adds', () => {
    const ids = runtimes.map((r) => r.id);

    expect(ids.slice(0, FUNCTION_RUNTIMES.length)).toEqual([...FUNCTION_RUNTIMES]);
    expect(runtimes.map((r) => r.promised)).toEqual(
      ids.map((id) => (FUNCTION_RUNTIMES as readonly string[]).includes(id)),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has what the setup step installs, and the system's Node.js 20", () => {
    for (const id of ALWAYS) {
      const runtime = runtimes.find((r) => r.id === id)!;
      // The reason says what to do when this fails.
      expect({ id, available: runtime.available, reason: runtime.reason }).toEqual({
        id,
        available: true,
        reason: null,
      });
    }
    // Debian's ruby, whichever version it is.
    expect(available().filter((r) => r.language === 'ruby')).not.toEqual([]);
  });

  it('says why a promised runtime this host lacks is missing', () => {
    for (const runtime of runtimes.filter((r) => !r.available)) {
      expect(runtime).toMatchObject({ executable: null, mounts: [], argv: [] });
      expect(runtime.reason).toMatch(/^(not installed on this host: no |the sandbox's users cannot read )/);
    }
  });

  it('names each runtime after the exact version it runs', () => {
    const printVersion: Record<RuntimeInstall['language'], string[]> = {
      nodejs: ['-p', 'process.versions.node'],
      python: ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
      ruby: ['-e', 'puts RUBY_VERSION'],
      go: ['env', 'GOVERSION'],
    };
    for (const runtime of available()) {
      const printed = execFileSync(runtime.executable!, printVersion[runtime.language], {
        env: { PATH: '/usr/bin:/bin', HOME: tmpdir(), ...runtime.env },
        encoding: 'utf8',
      }).trim();
      const version = printed.replace(/^go/, '');

      expect({ id: runtime.id, version }).toEqual({ id: runtime.id, version: runtime.version });
      const [major, minor] = version.split('.');
      expect(runtime.id).toBe(
        runtime.language === 'nodejs' ? `nodejs${major}` : `${runtime.language}${major}.${minor}`,
      );
    }
  });

  it('starts each bootstrap from the sandbox paths, and Go from its shim', () => {
    for (const runtime of available()) {
      if (runtime.language === 'go') {
        expect(runtime.argv).toEqual(['/bin/sh', '-c', GO_SHIM]);
        expect(runtime.env.GOROOT).toBe(path.dirname(path.dirname(runtime.executable!)));
      } else {
        expect(runtime.argv[0]).toBe(runtime.executable);
        expect(runtime.argv.at(-1)).toMatch(
          new RegExp(`^${SANDBOX_BOOTSTRAP_DIR}/(node\\.mjs|python\\.py|ruby\\.rb)$`),
        );
      }
      for (const mount of runtime.mounts) expect(runtime.executable!.startsWith(`${mount}/`)).toBe(true);
    }
  });

  (sandboxUnavailableReason() === undefined ? it : it.skip)(
    "runs every runtime in the sandbox, as the sandbox's own user, from its mounts",
    async () => {
      const sandbox = new SandboxExecutor();
      const probes: Record<RuntimeInstall['language'], string> = {
        nodejs: `-p process.versions.node`,
        python: `-c 'import sys, json, ssl; print("%d.%d.%d" % sys.version_info[:3])'`,
        ruby: `--disable-gems -e 'require "json"; puts RUBY_VERSION'`,
        go: 'env GOVERSION',
      };
      const results = await Promise.all(
        available().map(async (runtime) => {
          const workspace = fakeTree({});
          const lines: string[] = [];
          const { exitCode } = await sandbox.run({
            command: `'${runtime.executable}' ${probes[runtime.language]} 2>&1`,
            workspace,
            env: runtime.env,
            readOnlyMounts: runtime.mounts,
            limits: { ...DEFAULT_LIMITS, timeoutMs: 20_000 },
            network: false,
            onLine: (line) => lines.push(line.text),
          }).result;
          return { id: runtime.id, exitCode, printed: lines.join('\n').replace(/^go/, '') };
        }),
      );

      expect(results).toEqual(available().map((r) => ({ id: r.id, exitCode: 0, printed: r.version })));
    },
  );
});

describe('runtime discovery', () => {
  it('finds what a runtimes directory holds, as its own runtimes, unless a binary is not what its name says', async () => {
    const dir = fakeTree({
      'node-99.1.2/bin/node': printing('v99.1.2'),
      'python-3.97.1/bin/python3.97': printing('Python 3.96.0'),
      'ruby-3.95.0/bin/ruby': printing('ruby 3.95.0p0 (2030-01-01 revision 0) [x86_64-linux]'),
      'go-1.98.3/bin/go': printing('not run'),
      'go-1.98.3/VERSION': 'go1.98.3\ntime 2030-01-01T00:00:00Z\n',
      'node-7.0.0/bin/node': printing('v7.0.0'),
      'notes.txt': 'not a runtime',
    });

    const found = await discoverRuntimes({ runtimesDir: dir, bootstrapDir: '/bootstrap' });
    const added = found.filter((r) =>
      ['nodejs99', 'python3.97', 'python3.96', 'ruby3.95', 'go1.98', 'nodejs7'].includes(r.id),
    );

    expect(added).toEqual([
      {
        id: 'nodejs99',
        language: 'nodejs',
        promised: false,
        available: true,
        version: '99.1.2',
        reason: null,
        executable: `${dir}/node-99.1.2/bin/node`,
        mounts: [`${dir}/node-99.1.2`],
        env: {},
        argv: [`${dir}/node-99.1.2/bin/node`, '/bootstrap/node.mjs'],
      },
      expect.objectContaining({
        id: 'ruby3.95',
        version: '3.95.0',
        argv: [`${dir}/ruby-3.95.0/bin/ruby`, '--disable-gems', '/bootstrap/ruby.rb'],
      }),
      expect.objectContaining({
        id: 'go1.98',
        version: '1.98.3',
        executable: `${dir}/go-1.98.3/bin/go`,
        mounts: [`${dir}/go-1.98.3`],
        env: { GOROOT: `${dir}/go-1.98.3`, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
      }),
    ]);
  });

  it("offers a pyenv Python only when the sandbox's users can read it", async () => {
    const pyenv = fakeTree({ 'versions/3.94.2/bin/python3.94': printing('Python 3.94.2') }, 0o700);

    const found = await discoverRuntimes({ runtimesDir: fakeTree({}), pyenvRoot: pyenv });
    const python = found.find((r) => r.id === 'python3.94');

    if (process.getuid?.() === 0) {
      // Each sandbox runs as a user of its own, which cannot pass a 0700 directory.
      expect(python).toMatchObject({ available: false, version: '3.94.2', argv: [] });
      expect(python!.reason).toContain(`${pyenv} is 0700`);
    } else {
      // The sandbox runs as the platform's own user, who can.
      expect(python).toMatchObject({ available: true, mounts: [`${pyenv}/versions/3.94.2`] });
    }
    chmodSync(pyenv, 0o755);
    const readable = await discoverRuntimes({ runtimesDir: fakeTree({}), pyenvRoot: pyenv });
    expect(readable.find((r) => r.id === 'python3.94')).toMatchObject({
      available: true,
      env: { LD_LIBRARY_PATH: `${pyenv}/versions/3.94.2/lib` },
    });
  });
});
