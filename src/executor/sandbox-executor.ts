import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Bind, Execution, ExecutionSpec, Executor, ProcessSpec, RunningProcess } from './executor';
import { executionEnvironment, processEnvironment } from './environment';
import { GNU_TIME, limitedChain, rlimitChain, runProcessTree, startProcessTree, tetherChain } from './process-tree';

/** Where the workspace appears inside the sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';

/** Host paths a command may read: the system's programs and libraries and what they need to run. */
const READ_ONLY = [
  '/usr',
  '/etc/alternatives',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/localtime',
];

/** Each execution runs as a user id of its own, so that no two share a process limit or their files. */
const UID_BASE = 200_000;
const UID_RANGE = 50_000;
let nextUid = 0;

/**
 * Runs each command in a bubblewrap sandbox: new user, PID, IPC, UTS (and, without network, network)
 * namespaces; the host's system directories read-only, the workspace the only writable path besides a
 * private `/tmp`, and nothing else of the host (no /home, /root, /var, /srv, the platform's data or its
 * own files); an environment built from scratch; rlimits on processes, file size and open files; and,
 * when the platform runs as root, a user id of its own that owns nothing on the host but the workspace.
 */
export class SandboxExecutor implements Executor {
  readonly kind = 'sandbox';

  run(spec: ExecutionSpec): Execution {
    const owner = process.getuid?.() === 0 ? this.nextOwner() : undefined;
    if (owner) spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, spec.workspace]);
    const cwd = path.posix.join(SANDBOX_WORKSPACE, path.posix.normalize(`/${spec.cwd ?? ''}`));
    const env = executionEnvironment(spec, SANDBOX_WORKSPACE);
    return runProcessTree(
      (statsFile) =>
        limitedChain(spec, statsFile, owner, true, [
          ...bwrapArgs({
            network: spec.network,
            cwd,
            env,
            writable: [spec.workspace, SANDBOX_WORKSPACE],
            binds: (spec.readOnlyMounts ?? []).map((dir) => ({ source: dir, target: dir })),
          }),
          '/bin/sh',
          '-c',
          spec.command,
        ]),
      spec,
      // bwrap itself needs a PATH to find nothing: the command's environment is set inside.
      { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      owner,
    );
  }

  start(spec: ProcessSpec): RunningProcess {
    const owner = process.getuid?.() === 0 ? this.nextOwner() : undefined;
    const env = processEnvironment(spec.env, '/tmp');
    return startProcessTree(
      [
        ...tetherChain(owner),
        ...rlimitChain(spec.limits),
        ...bwrapArgs({ network: spec.network, cwd: spec.cwd, env, binds: spec.binds }),
        ...spec.argv,
      ],
      { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      { programDepth: 3 },
    );
  }

  private nextOwner(): { uid: number; gid: number } {
    const id = UID_BASE + (nextUid++ % UID_RANGE);
    return { uid: id, gid: id };
  }
}

interface SandboxLayout {
  network: boolean;
  cwd: string;
  env: Record<string, string>;
  /** Host directories bound read-only at their targets. */
  binds: Bind[];
  /** The one host directory bound writable, and where: [source, target]. */
  writable?: [string, string];
}

function bwrapArgs(layout: SandboxLayout): string[] {
  const { cwd, env } = layout;
  const args = [
    'bwrap',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(layout.network ? [] : ['--unshare-net']),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
  ];
  for (const dir of READ_ONLY) if (existsSync(dir)) args.push('--ro-bind', dir, dir);
  // Debian's merged /usr: the top-level directories are links into it.
  for (const link of ['bin', 'sbin', 'lib', 'lib64']) args.push('--symlink', `usr/${link}`, `/${link}`);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  if (layout.writable) args.push('--bind', ...layout.writable);
  // After /tmp's tmpfs, which would otherwise hide a path under it.
  for (const bind of layout.binds) args.push('--ro-bind', bind.source, bind.target);
  args.push(
    // The sandbox's own root (where /etc, /bin links and mount points live) is read-only too.
    '--remount-ro',
    '/',
    '--chdir',
    cwd,
    '--clearenv',
  );
  for (const [key, value] of Object.entries(env)) args.push('--setenv', key, value);
  args.push('--');
  return args;
}

/**
 * Whether this kernel and machine let bubblewrap build a sandbox: user namespaces allowed, bwrap,
 * setpriv, unshare, prlimit and GNU time installed, and the chain's PID namespace made (as the
 * executions' own user when the worker is root). Undefined when they do; otherwise why not.
 */
export function sandboxUnavailableReason(): string | undefined {
  for (const tool of ['bwrap', 'setpriv', 'unshare', 'prlimit', GNU_TIME]) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
    if (!found) return `${tool} is not installed (the setup step installs it)`;
  }
  // Every execution starts with the tether, as a user of its own when the worker is root.
  const [command, ...args] = [
    ...tetherChain(process.getuid?.() === 0 ? { uid: UID_BASE, gid: UID_BASE } : undefined),
    '/bin/true',
  ];
  const tether = spawnSync(command!, args, { encoding: 'utf8', timeout: 10_000 });
  if (tether.status !== 0) {
    const why = (tether.stderr || tether.error?.message || `exit ${tether.status}`).trim();
    return `the worker cannot tie its executions to itself (unshare --pid): ${why}`;
  }
  const probe = spawnSync(
    'bwrap',
    [
      '--unshare-user',
      '--unshare-pid',
      '--ro-bind',
      '/usr',
      '/usr',
      '--symlink',
      'usr/bin',
      '/bin',
      '--symlink',
      'usr/lib',
      '/lib',
      '--symlink',
      'usr/lib64',
      '/lib64',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--',
      '/bin/true',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status === 0) return undefined;
  return `bubblewrap cannot create a sandbox here: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`;
}
