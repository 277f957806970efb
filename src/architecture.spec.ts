import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The shape every feature copies, checked: shared folders know no feature, and files are named
 * after what they hold (docs/architecture.md, "Conventions").
 */

const SRC = __dirname;
/** Folders any code may import; everything else directly under src/ is a feature or the app's wiring. */
const SHARED = ['common', 'jobs', 'config'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const FILES = sourceFiles(SRC).map((path) => ({ path, name: relative(SRC, path), text: readFileSync(path, 'utf8') }));

/** The top-level folder under src/ a relative import of `file` lands in. */
function importedFolders(file: { path: string; text: string }): string[] {
  return [...file.text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(
    (match) => relative(SRC, resolve(dirname(file.path), match[1]!)).split(sep)[0]!,
  );
}

const exportedClasses = (text: string): string[] =>
  [...text.matchAll(/export (?:abstract )?class (\w+)/g)].map((m) => m[1]!);

describe('architecture', () => {
  it('keeps the shared folders free of features', () => {
    const violations = FILES.filter((f) => SHARED.includes(f.name.split(sep)[0]!)).flatMap((file) =>
      importedFolders(file)
        .filter((folder) => !SHARED.includes(folder))
        .map((folder) => `${file.name} imports ${folder}/`),
    );

    expect(violations).toEqual([]);
  });

  it('names services, resolvers and modules after their files', () => {
    const rules: [suffix: string, classSuffix: string][] = [
      ['.service.ts', 'Service'],
      ['.resolver.ts', 'Resolver'],
      ['.module.ts', 'Module'],
      ['.guard.ts', 'Guard'],
      ['.interceptor.ts', 'Interceptor'],
      ['.processor.ts', 'Processor'],
      ['.listener.ts', 'Listener'],
    ];
    const violations = FILES.flatMap((file) =>
      rules.flatMap(([suffix, classSuffix]) => {
        const classes = exportedClasses(file.text);
        if (file.name.endsWith(suffix)) {
          return classes.some((c) => c.endsWith(classSuffix)) ? [] : [`${file.name} exports no *${classSuffix}`];
        }
        return classes.filter((c) => c.endsWith(classSuffix)).map((c) => `${c} lives in ${file.name}, not *${suffix}`);
      }),
    );

    expect(violations).toEqual([]);
  });

  it('bounds the length of every list a client sends', () => {
    const violations = FILES.filter((f) => /\.(input|args)\.ts$/.test(f.name)).flatMap((file) =>
      // The decorators of each property: what comes before its declaration, after the previous one.
      file.text
        .split(/^\s+\w+[!?]?: .*;$/m)
        .filter((decorators) => decorators.includes('@Field(() => [') && !decorators.includes('@ArrayMaxSize('))
        .map(() => `${file.name} takes a list without @ArrayMaxSize()`),
    );

    expect(violations).toEqual([]);
  });

  it('keeps GraphQL types, inputs, arguments and schemas in their own kinds of files', () => {
    const rules: [test: (name: string) => boolean, decorator: string][] = [
      [(name) => name.endsWith('.model.ts'), '@ObjectType('],
      [(name) => name.endsWith('.input.ts'), '@InputType('],
      [(name) => name.endsWith('.args.ts'), '@ArgsType('],
      [(name) => name.endsWith('.schema.ts'), '@Schema('],
    ];
    const violations = FILES.flatMap((file) =>
      rules.flatMap(([test, decorator]) => {
        const holds = file.text.includes(decorator);
        if (test(file.name)) return holds ? [] : [`${file.name} has no ${decorator}`];
        // Relay connection types are built by a helper in common/pagination.
        if (decorator === '@ObjectType(' && file.name.startsWith(`common${sep}pagination`)) return [];
        return holds ? [`${file.name} declares ${decorator} outside its kind of file`] : [];
      }),
    );

    expect(violations).toEqual([]);
  });
});
