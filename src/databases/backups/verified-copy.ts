import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import type { BackupStore } from './store/backup-store';

/** A private copy of a stored backup whose bytes matched its checksum. */
export interface VerifiedCopy {
  /** The copy's bytes: exactly those that were hashed. */
  read(): Readable;
  /** Removes the copy (idempotent). */
  remove(): Promise<void>;
}

/**
 * Copies the stored backup once into a private temporary file (a 0700 directory under the OS
 * temporary directory, the file 0600) while hashing it, and compares its SHA-256 and size to the
 * record's: BACKUP_CORRUPT otherwise (the copy is then removed). A restore reads the copy, so what
 * it loads is what was verified, whatever happens to the stored file meanwhile.
 */
export async function verifiedCopy(
  store: BackupStore,
  key: string,
  expected: { readonly sha256: string; readonly sizeBytes: number },
): Promise<VerifiedCopy> {
  const dir = await mkdtemp(path.join(tmpdir(), 'database-restore-'));
  const file = path.join(dir, 'backup.gz');
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    try {
      await pipeline(store.read(key), measure, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new DatabaseException(DatabaseExceptionReason.BACKUP_CORRUPT, 'The stored backup is missing');
    }
    if (hash.digest('hex') !== expected.sha256 || size !== expected.sizeBytes) {
      throw new DatabaseException(
        DatabaseExceptionReason.BACKUP_CORRUPT,
        'The stored backup does not match its checksum: it was not restored, and the database was not touched',
      );
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { read: () => createReadStream(file), remove };
}
