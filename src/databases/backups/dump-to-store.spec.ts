import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { writeLine, endOfDump } from '../engines/dump-lines';
import { dumpToStore } from './dump-to-store';
import { LocalBackupStore } from './store/local-backup-store';

describe('dumpToStore (a real local store)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dump-to-store-'));
  });

  it('stores the dump gzipped, with its size and checksum', async () => {
    const store = new LocalBackupStore(path.join(dir, 'backups'));
    const stored = await dumpToStore(store, 'p/d/b.jsonl.gz', async (out) => {
      for (let i = 0; i < 1000; i++) await writeLine(out, `{"n":${i}}`);
      await endOfDump(out);
    });
    const file = await readFile(store.pathOf('p/d/b.jsonl.gz'));
    expect(stored.sizeBytes).toBe(file.length);
    expect(gunzipSync(file).toString('utf8').split('\n')).toHaveLength(1001);
  });

  it('rejects, without crashing the process, when the store fails before it reads (its root is a file)', async () => {
    const root = path.join(dir, 'not-a-directory');
    await writeFile(root, 'a file where the backups directory should be');
    const store = new LocalBackupStore(root);
    const crashes: unknown[] = [];
    const onCrash = (error: unknown): void => void crashes.push(error);
    process.on('uncaughtException', onCrash);
    try {
      const dumping = dumpToStore(store, 'p/d/b.jsonl.gz', async (out) => {
        // A dump far bigger than any buffer: it must be stopped, not wait for room for ever.
        const line = 'x'.repeat(1_000);
        for (let i = 0; i < 100_000; i++) await writeLine(out, line);
        await endOfDump(out);
      });
      await expect(dumping).rejects.toThrow(/ENOTDIR|EEXIST|not a directory/i);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('uncaughtException', onCrash);
    }
    expect(crashes).toEqual([]);
  });

  it('keeps nothing when the dump fails', async () => {
    const store = new LocalBackupStore(path.join(dir, 'backups'));
    await expect(
      dumpToStore(store, 'p/d/b.jsonl.gz', async (out) => {
        await writeLine(out, 'partial');
        throw new Error('the driver failed');
      }),
    ).rejects.toThrow('the driver failed');
    expect(await store.exists('p/d/b.jsonl.gz')).toBe(false);
  });
});
