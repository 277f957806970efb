import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { EncryptionService, type EncryptedField } from './encryption.service';
import { RotationCheckpointRecord } from './rotation-checkpoint.schema';

export interface RotationReport {
  keyId: string;
  fields: Array<{ name: string; reencrypted: number; done: boolean }>;
  /** Whether every field is done: the keys other than the current one can leave the ring. */
  complete: boolean;
}

const BATCH = 200;

/**
 * `rotateEncryptionKey`: re-encrypts every registered secret under the current key. Each document
 * is rewritten only if its value is still the one read (a change made meanwhile wins and is
 * already under the current key), and the position in each collection is saved after each batch,
 * so a rotation that is interrupted resumes where it stopped and loses nothing; run again, it
 * finds nothing left to do. Values stored before encryption are encrypted on the way.
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger(KeyRotationService.name);

  constructor(
    private readonly encryption: EncryptionService,
    @InjectModel(RotationCheckpointRecord.name) private readonly checkpoints: Model<RotationCheckpointRecord>,
  ) {}

  /** Runs the rotation; `maxDocuments` stops it after that many rewrites (as an interruption would). */
  async rotate(options: { maxDocuments?: number } = {}): Promise<RotationReport> {
    const keyId = this.encryption.currentKeyId;
    let budget = options.maxDocuments ?? Number.POSITIVE_INFINITY;
    const fields: RotationReport['fields'] = [];
    for (const field of this.encryption.fields) {
      const { reencrypted, done } = await this.rotateField(field, keyId, budget);
      budget -= reencrypted;
      fields.push({ name: field.name, reencrypted, done });
    }
    return { keyId, fields, complete: fields.every((f) => f.done) };
  }

  private async rotateField(
    field: EncryptedField,
    keyId: string,
    budget: number,
  ): Promise<{ reencrypted: number; done: boolean }> {
    const saved = await this.checkpoints.findById(field.name).lean<RotationCheckpointRecord>().exec();
    let lastId = saved?.keyId === keyId ? saved.lastId : null;
    if (saved?.keyId === keyId && saved.done) {
      // Finished for this key, but values written under an older process's ring may have come since.
      lastId = null;
    }
    let reencrypted = 0;
    for (;;) {
      const batch = await field.model
        .find({ ...(lastId ? { _id: { $gt: lastId } } : {}), [field.field]: { $type: 'string' } }, { [field.field]: 1 })
        .sort({ _id: 1 })
        .limit(BATCH)
        .lean<Array<{ _id: Types.ObjectId } & Record<string, unknown>>>()
        .exec();
      for (const doc of batch) {
        const value = valueAt(doc, field.field);
        if (typeof value === 'string' && this.encryption.isStale(value)) {
          if (reencrypted >= budget) {
            await this.save(field.name, keyId, lastId, false);
            return { reencrypted, done: false };
          }
          const fresh = this.encryption.encrypt(this.encryption.decrypt(value, field.purpose), field.purpose);
          await field.model
            .updateOne({ _id: doc._id, [field.field]: value }, { $set: { [field.field]: fresh } })
            .exec();
          reencrypted += 1;
        }
        lastId = doc._id;
      }
      await this.save(field.name, keyId, lastId, batch.length < BATCH);
      if (batch.length < BATCH) {
        if (reencrypted > 0) this.logger.log(`Re-encrypted ${reencrypted} values of ${field.name} under key ${keyId}`);
        return { reencrypted, done: true };
      }
    }
  }

  private async save(name: string, keyId: string, lastId: Types.ObjectId | null, done: boolean): Promise<void> {
    await this.checkpoints
      .updateOne({ _id: name }, { $set: { keyId, lastId, done, updatedAt: new Date() } }, { upsert: true })
      .exec();
  }
}

function valueAt(doc: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], doc);
}
