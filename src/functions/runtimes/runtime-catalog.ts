import { FUNCTION_RUNTIMES } from '../../settings/function-runtimes';

export type RuntimeLanguage = 'nodejs' | 'python' | 'ruby' | 'go';

export interface RuntimeInstall {
  id: string;
  language: RuntimeLanguage;
  promised: boolean;
  available: boolean;
  version: string | null;
  reason: string | null;
  executable: string | null;
  mounts: string[];
  env: Record<string, string>;
  argv: string[];
}

export function discoverRuntimes(_options: { runtimesDir: string; pyenvRoot?: string }): Promise<RuntimeInstall[]> {
  return Promise.resolve(
    FUNCTION_RUNTIMES.map((id) => {
      const available = id === 'nodejs20';
      return {
        id,
        language: id.replace(/[\d.]+$/, '') as RuntimeLanguage,
        promised: true,
        available,
        version: available ? process.versions.node : null,
        reason: available ? null : 'not installed',
        executable: available ? '/usr/bin/node' : null,
        mounts: [],
        env: {},
        argv: available ? ['/usr/bin/node', '/opt/slipway/bootstrap/node.mjs'] : [],
      };
    }),
  );
}
