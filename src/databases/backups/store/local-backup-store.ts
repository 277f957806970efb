import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkStoreKey, type BackupStore, type StoredObject } from './backup-store';

/**
 * The backup store in a local directory (DATABASE_BACKUPS_DIR): one file per key, written to a
 * temporary name beside it, flushed to disk and renamed, so a key only ever names a complete
 * backup. Directories are 0700 and files 0600: backups hold users' data.
 */
export class LocalBackupStore implements BackupStore {
  constructor(private readonly root: string) {}

  async write(key: string, data: Readable): Promise<StoredObject> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${randomBytes(6).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(data, measure, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
      const handle = await open(temporary, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      data.destroy();
      throw error;
    }
    return { sizeBytes, sha256: hash.digest('hex') };
  }

  read(key: string): Readable {
    return createReadStream(this.pathOf(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Where `key` is kept (for the tests, which damage a backup on disk). */
  pathOf(key: string): string {
    return path.join(this.root, ...checkStoreKey(key).split('/'));
  }
}
