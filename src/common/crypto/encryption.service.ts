import { Injectable, Logger } from '@nestjs/common';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Model } from 'mongoose';
import { AppConfig } from '../../config/app-config';
import { decrypt, encrypt, generateKey, isCiphertext, keyIdOf, parseKeyRing, type KeyRing } from './key-ring';

/** A field that holds a secret, encrypted, in one collection: what key rotation walks. */
export interface EncryptedField {
  /** A name for reports, e.g. `env_vars.value`. */
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model: Model<any>;
  /** The path of the field in the collection's documents. */
  field: string;
  /** What the field is, authenticated with its ciphertext (see `encrypt`). */
  purpose: string;
}

/**
 * Encryption of secrets at rest with the platform's key ring (`ENCRYPTION_KEYS`). Features encrypt
 * with it before storing a secret, decrypt when they need the value, and register the field so
 * `KeyRotationService` can re-encrypt it under a new key.
 */
@Injectable()
export class EncryptionService {
  private readonly logger = new Logger(EncryptionService.name);
  readonly ring: KeyRing;
  private readonly registered = new Map<string, EncryptedField>();

  constructor(config: AppConfig) {
    this.ring = config.ENCRYPTION_KEYS
      ? parseKeyRing(config.ENCRYPTION_KEYS, config.ENCRYPTION_KEY_CURRENT)
      : this.developmentRing(config);
  }

  get currentKeyId(): string {
    return this.ring.current;
  }

  encrypt(plaintext: string, purpose: string): string {
    return encrypt(this.ring, plaintext, purpose);
  }

  /** The plaintext; a value stored before it was encrypted (not a ciphertext) is returned as it is. */
  decrypt(value: string, purpose: string): string {
    return isCiphertext(value) ? decrypt(this.ring, value, purpose) : value;
  }

  /** Whether `value` needs re-encrypting: stored in the clear, or under a key other than the current one. */
  isStale(value: string): boolean {
    return keyIdOf(value) !== this.ring.current;
  }

  register(field: EncryptedField): void {
    this.registered.set(field.name, field);
  }

  get fields(): EncryptedField[] {
    return [...this.registered.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Outside production without ENCRYPTION_KEYS: a key generated once and kept beside the stored
   * files, so every process of one installation (and its restarts) shares it.
   */
  private developmentRing(config: AppConfig): KeyRing {
    if (config.isProduction) throw new Error('ENCRYPTION_KEYS is required in production');
    const file = path.resolve(config.STORAGE_DIR, 'keys', 'development.key');
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `development:${generateKey()}\n`, { flag: 'wx', mode: 0o600 });
      this.logger.warn(`No ENCRYPTION_KEYS: generated a development key in ${file}; set ENCRYPTION_KEYS in production`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return parseKeyRing(readFileSync(file, 'utf8').trim());
  }
}
