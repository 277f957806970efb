import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { detectConfiguration } from './framework-detection';

function repository(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-detect-'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

describe('detectConfiguration', () => {
  const made: string[] = [];
  const detect = (files: Record<string, string>) => {
    const dir = repository(files);
    made.push(dir);
    return detectConfiguration(dir);
  };
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reads a Vite project built with pnpm', () => {
    expect(
      detect({
        'package.json': JSON.stringify({ scripts: { build: 'vite build' }, devDependencies: { vite: '^5' } }),
        'pnpm-lock.yaml': '',
      }),
    ).toEqual({
      framework: 'Vite',
      packageManager: 'pnpm',
      installCommand: 'pnpm install --frozen-lockfile',
      buildCommand: 'pnpm build',
      outputDirectory: 'dist',
    });
  });

  it('reads a Next.js static export installed with npm', () => {
    expect(
      detect({
        'package.json': JSON.stringify({ scripts: { build: 'next build' }, dependencies: { next: '14' } }),
        'package-lock.json': '{}',
      }),
    ).toMatchObject({
      framework: 'Next.js (static export)',
      installCommand: 'npm ci',
      buildCommand: 'npm run build',
      outputDirectory: 'out',
    });
  });

  it('serves plain HTML as it is', () => {
    expect(detect({ 'index.html': '<h1>hi</h1>' })).toEqual({
      framework: 'Static HTML',
      packageManager: null,
      installCommand: null,
      buildCommand: null,
      outputDirectory: '.',
    });
  });

  it('recognises Hugo, Python and Go projects', () => {
    expect(detect({ 'hugo.toml': '' })).toMatchObject({ framework: 'Hugo', outputDirectory: 'public' });
    expect(detect({ 'requirements.txt': 'flask' })).toMatchObject({ framework: 'Python', packageManager: 'pip' });
    expect(detect({ 'go.mod': 'module x' })).toMatchObject({ framework: 'Go', buildCommand: 'go build -o out/app .' });
  });
});
