import { createHash } from 'node:crypto';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DatabaseException } from '../database.exception';
import { LocalBackupStore } from './store/local-backup-store';
import { verifiedCopy } from './verified-copy';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function restoreCopies(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('database-restore-'));
}

describe('verifiedCopy (a real local store)', () => {
  let store: LocalBackupStore;
  const key = 'p/d/b.sql.gz';
  const bytes = Buffer.from('x'.repeat(300_000) + 'end');
  const expected = { sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length };

  beforeEach(async () => {
    store = new LocalBackupStore(path.join(await mkdtemp(path.join(tmpdir(), 'verified-copy-')), 'backups'));
    await store.write(key, Readable.from([bytes]));
  });

  it('reads the bytes it verified even once the stored file is deleted, from a private file', async () => {
    const before = await restoreCopies();
    const copy = await verifiedCopy(store, key, expected);
    await store.delete(key);
    expect((await readAll(copy.read())).equals(bytes)).toBe(true);
    const made = (await restoreCopies()).filter((name) => !before.includes(name));
    expect(made).toHaveLength(1);
    const dir = path.join(tmpdir(), made[0] ?? '');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'backup.gz'))).mode & 0o777).toBe(0o600);
    await copy.remove();
    expect(await restoreCopies()).toEqual(before);
  });

  it('refuses a damaged or missing backup with BACKUP_CORRUPT and keeps no copy', async () => {
    const before = await restoreCopies();
    const damaged = verifiedCopy(store, key, { ...expected, sha256: '0'.repeat(64) });
    await expect(damaged).rejects.toThrow(DatabaseException);
    await expect(damaged).rejects.toMatchObject({ reason: 'BACKUP_CORRUPT' });
    await store.delete(key);
    await expect(verifiedCopy(store, key, expected)).rejects.toThrow('The stored backup is missing');
    expect(await restoreCopies()).toEqual(before);
  });
});
