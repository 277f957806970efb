import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((p): p is string => !!p);

/** The Chromium the browser tests drive: `CHROMIUM_PATH`, else the Debian package's, which scripts/setup.sh installs. */
export const chromiumPath: string | undefined = candidates.find((p) => existsSync(p));

/**
 * `describe` when Chromium is here, else `describe.skip` with the reason printed, so a machine
 * without it runs every other test and says what it did not run.
 */
export function describeInBrowser(what: string): jest.Describe {
  if (chromiumPath) return describe;
  console.warn(
    `Skipping ${what}: no Chromium at ${candidates.join(' or ')} ` +
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
