import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { LocalBackupStore } from './local-backup-store';

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  return found;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('LocalBackupStore', () => {
  let root: string;
  let store: LocalBackupStore;

  beforeEach(async () => {
    root = path.join(await mkdtemp(path.join(tmpdir(), 'backup-store-')), 'backups');
    store = new LocalBackupStore(root);
  });

  afterEach(async () => {
    await rm(path.dirname(root), { recursive: true, force: true });
  });

  it('streams bytes in, returns their size and SHA-256, and reads them back', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const all = Buffer.concat(chunks);

    const stored = await store.write('p/d/b.sql.gz', Readable.from(chunks));

    expect(stored).toEqual({ sizeBytes: all.length, sha256: createHash('sha256').update(all).digest('hex') });
    expect((await readAll(store.read('p/d/b.sql.gz'))).equals(all)).toBe(true);
    expect(await store.exists('p/d/b.sql.gz')).toBe(true);
  });

  it('keeps files 0600 and directories 0700', async () => {
    await store.write('p/d/b.gz', Readable.from([Buffer.from('x')]));

    expect((await stat(store.pathOf('p/d/b.gz'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(root, 'p', 'd'))).mode & 0o777).toBe(0o700);
    expect((await stat(root)).mode & 0o777).toBe(0o700);
  });

  it('leaves nothing behind when the data fails half-way', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1024, 1);
      throw new Error('the dump broke');
    }

    await expect(store.write('p/d/broken.gz', Readable.from(failing()))).rejects.toThrow('the dump broke');

    expect(await store.exists('p/d/broken.gz')).toBe(false);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('replaces a key whole, and deletes whether or not it exists', async () => {
    await store.write('k.gz', Readable.from([Buffer.from('first')]));
    await store.write('k.gz', Readable.from([Buffer.from('second')]));
    expect(await readFile(store.pathOf('k.gz'), 'utf8')).toBe('second');

    await store.delete('k.gz');
    await store.delete('k.gz');

    expect(await store.exists('k.gz')).toBe(false);
  });

  it('fails reading a key that holds nothing', async () => {
    await expect(readAll(store.read('none.gz'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each(['../escape.gz', '/abs.gz', 'a//b', 'a/../b', '.hidden', ''])('refuses the key %j', (key) => {
    expect(() => store.pathOf(key)).toThrow('not a backup store key');
  });
});
