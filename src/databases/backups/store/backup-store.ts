import type { Readable } from 'node:stream';

/** What a finished write stored: the stored bytes' count and SHA-256 (hex). */
export interface StoredObject {
  readonly sizeBytes: number;
  readonly sha256: string;
}

/**
 * Where database backups are kept. The platform uses one store, provided under `BACKUP_STORE`:
 * the local directory (`LocalBackupStore`) by default; an S3-compatible store implements the same
 * four methods (a multipart upload completed only at the end is the equivalent of the temporary
 * name and rename). Keys are relative paths of letters, digits, `.`, `_` and `-` segments joined
 * by `/`, made by the platform, never by users.
 */
export interface BackupStore {
  /**
   * Stores `data` under `key`, streaming (no whole backup is held in memory), and resolves with
   * the stored bytes' size and SHA-256 once they are durable. Nothing is left under `key` (or
   * anywhere) when the write fails: the bytes go to a temporary name renamed at the end.
   */
  write(key: string, data: Readable): Promise<StoredObject>;

  /** The stored bytes; the stream fails (BACKUP_NOT_FOUND-like ENOENT) when there are none. */
  read(key: string): Readable;

  /** Removes what is stored under `key`; succeeds when nothing is. */
  delete(key: string): Promise<void>;

  exists(key: string): Promise<boolean>;
}

/** The injection token of the platform's `BackupStore`. */
export const BACKUP_STORE = Symbol('BACKUP_STORE');

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Throws unless `key` is a store key (relative, no `..`, no empty segment). */
export function checkStoreKey(key: string): string {
  const segments = key.split('/');
  if (key.length > 512 || segments.some((segment) => !SEGMENT.test(segment) || segment.includes('..'))) {
    throw new Error(`not a backup store key: ${JSON.stringify(key.slice(0, 80))}`);
  }
  return key;
}
