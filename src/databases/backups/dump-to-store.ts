import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { BackupStore, StoredObject } from './store/backup-store';

/**
 * Streams what `dump` writes, gzipped, into the store under `key`. Every stream of the chain has
 * an error path (a store that fails, even before it reads, only rejects), and a store that gave up
 * destroys the dump's output so that its writes fail instead of waiting for room. Nothing is left
 * under `key` when the dump fails.
 */
export async function dumpToStore(
  store: BackupStore,
  key: string,
  dump: (out: Writable) => Promise<void>,
): Promise<StoredObject> {
  const raw = new PassThrough();
  const gzip = createGzip();
  const compressing = pipeline(raw, gzip);
  const writing = store.write(key, gzip);
  writing.catch((error: Error) => raw.destroy(error));
  const dumping = (async () => dump(raw))().then(
    () => {
      if (!raw.writableEnded && !raw.destroyed) raw.end();
    },
    (error: Error) => {
      raw.destroy(error);
      throw error;
    },
  );
  const [dumped, written, compressed] = await Promise.allSettled([dumping, writing, compressing]);
  if (dumped.status === 'rejected') {
    await store.delete(key).catch(() => undefined);
    throw dumped.reason;
  }
  if (written.status === 'rejected') throw written.reason;
  if (compressed.status === 'rejected') throw compressed.reason;
  return written.value;
}
