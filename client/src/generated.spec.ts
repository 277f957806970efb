import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import config from '../codegen';

const ROOT = path.resolve(__dirname, '..', '..');
const GENERATED = path.join(ROOT, 'client', 'src', 'generated');

/** The codegen configuration with its paths made absolute, so the spec does not depend on the working directory. */
function absolute(): typeof config {
  const generates = Object.fromEntries(
    Object.entries(config.generates).map(([file, output]) => [path.join(ROOT, file), output]),
  );
  return {
    ...config,
    schema: path.join(ROOT, config.schema as string),
    documents: (config.documents as string[]).map((pattern) => path.join(ROOT, pattern)),
    generates,
  };
}

/**
 * `generate(config, false)` of @graphql-codegen/cli: what the generator would write, without
 * writing it. It runs in a node process of its own because the generator loads ES modules that
 * jest's module system cannot.
 */
function generateInChild(codegen: typeof config): { filename: string; content: string }[] {
  const script = `
    const { generate } = require('@graphql-codegen/cli');
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', () => generate(JSON.parse(input), false).then(
      (outputs) => process.stdout.write(JSON.stringify(outputs.map(({ filename, content }) => ({ filename, content })))),
      (error) => { process.stderr.write(String(error && error.stack || error)); process.exitCode = 1; },
    ));`;
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    input: JSON.stringify(codegen),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as { filename: string; content: string }[];
}

describe('the generated typed client', () => {
  it('is what `npm run client:generate` makes of schema.gql and client/operations/ (run it after changing them)', () => {
    const outputs = generateInChild(absolute());
    const expected = new Map(outputs.map((o) => [path.resolve(o.filename), o.content]));
    expect([...expected.keys()].sort()).toEqual(
      readdirSync(GENERATED)
        .map((name) => path.join(GENERATED, name))
        .sort(),
    );
    for (const [file, content] of expected) {
      expect(existsSync(file)).toBe(true);
      const committed = readFileSync(file, 'utf8');
      if (committed !== content)
        throw new Error(`${path.relative(ROOT, file)} is stale: run \`npm run client:generate\``);
    }
  }, 60_000);
});
