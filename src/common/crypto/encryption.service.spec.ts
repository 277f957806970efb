import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/app-config';
import { EncryptionService } from './encryption.service';

describe('EncryptionService', () => {
  const storage = mkdtempSync(path.join(tmpdir(), 'encryption-'));
  const base = { MONGODB_URI: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1', STORAGE_DIR: storage };
  afterAll(() => rmSync(storage, { recursive: true, force: true }));

  it('generates one development key that every process of the installation shares', () => {
    const first = new EncryptionService(loadConfig(base));
    const second = new EncryptionService(loadConfig(base));
    const sealed = first.encrypt('value', 'test');
    expect(second.decrypt(sealed, 'test')).toBe('value');
    expect(first.currentKeyId).toBe('development');
    expect(statSync(path.join(storage, 'keys', 'development.key')).mode & 0o777).toBe(0o600);
  });

  it('uses the configured ring, reads values stored before encryption as they are, and tells stale ones', () => {
    const keys = `a:${Buffer.alloc(32, 1).toString('base64')},b:${Buffer.alloc(32, 2).toString('base64')}`;
    const old = new EncryptionService(loadConfig({ ...base, ENCRYPTION_KEYS: keys, ENCRYPTION_KEY_CURRENT: 'a' }));
    const current = new EncryptionService(loadConfig({ ...base, ENCRYPTION_KEYS: keys }));
    const sealed = old.encrypt('value', 'test');
    expect(current.decrypt(sealed, 'test')).toBe('value');
    expect([current.isStale(sealed), current.isStale(current.encrypt('v', 'test')), current.isStale('plain')]).toEqual([
      true,
      false,
      true,
    ]);
    expect(current.decrypt('stored before encryption', 'test')).toBe('stored before encryption');
  });
});
