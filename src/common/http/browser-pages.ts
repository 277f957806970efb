import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Response, Router } from 'express';

/**
 * Headers for everything the API's own browser pages serve (the IDE, the Playground, the queue
 * dashboard): no framing (older browsers read X-Frame-Options), no sniffing, no referrer.
 */
export const PROTECTIVE_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The policy of a page that runs only files of its own origin and its one inline script (by
 * hash), talks only to its own origin (HTTP and WebSocket), and may not be framed. Styles allow
 * inline: the pages' libraries add `<style>` elements they offer no way to give a nonce, and a
 * style cannot run code. Fonts and images may be data: URLs.
 */
export function pagePolicy(inlineScript: string): string {
  const scriptHash = createHash('sha256').update(inlineScript).digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${scriptHash}'`,
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** A file of an installed package, served by name. */
export interface PackageAsset {
  pkg: string;
  /** The path inside the package. */
  file: string;
  type: string;
}

/**
 * Serves `assets` at `${route}/:name` from the installed packages, so a page works without
 * internet: read once, then from memory; any other name is 404.
 */
export function serveAssets(router: Router, route: string, assets: Record<string, PackageAsset>): void {
  const cache = new Map<string, Buffer>();
  router.get(`${route}/:name`, (req, res) => {
    const name = String(req.params.name);
    const entry = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!entry) {
      res.status(404).set(PROTECTIVE_HEADERS).type('text/plain').send('Not found');
      return;
    }
    let body = cache.get(name);
    if (!body) {
      // Files outside a package's `exports` map cannot be resolved directly; its directory can.
      const dir = path.dirname(require.resolve(`${entry.pkg}/package.json`));
      body = readFileSync(path.join(dir, entry.file));
      cache.set(name, body);
    }
    res.type(entry.type).set(PROTECTIVE_HEADERS).set('Cache-Control', 'public, max-age=86400').send(body);
  });
}

/** Sends a page under its policy, never cached. */
export function sendPage(res: Response, html: string, policy: string): void {
  res
    .type('html')
    .set(PROTECTIVE_HEADERS)
    .set({ 'Content-Security-Policy': policy, 'Cache-Control': 'no-store' })
    .send(html);
}
