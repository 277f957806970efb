import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH`, else the Debian package's
 * (`/usr/bin/chromium`, which scripts/setup.sh installs), else a `chromium` on `PATH`, as
 * scripts/setup.sh looks for one.
 */
export function findChromium(env: NodeJS.ProcessEnv, packaged = DEBIAN_CHROMIUM): string | undefined {
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'chromium'));
  return [env.CHROMIUM_PATH, packaged, ...onPath].filter((p): p is string => !!p).find(isExecutableFile);
}

export const chromiumPath: string | undefined = findChromium(process.env);

/**
 * `describe` when Chromium is here, else `describe.skip` with the reason printed, so a machine
 * without it runs every other test and says what it did not run.
 */
export function describeInBrowser(what: string): jest.Describe {
  if (chromiumPath) return describe;
  console.warn(
    `Skipping ${what}: no Chromium at ${process.env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM} nor on PATH ` +
      '(set CHROMIUM_PATH, or install the chromium package: scripts/setup.sh does)',
  );
  return describe.skip;
}

/** Headless Chromium; the tests run as root, where Chromium's own sandbox cannot start. */
export function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error('No Chromium: run the browser tests inside describeInBrowser()');
  return puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    protocolTimeout: 120_000,
  });
}
