import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/** How a build used the cache. */
export enum CacheUse {
  HIT = 'HIT',
  MISS = 'MISS',
  SKIPPED = 'SKIPPED',
}

/** One saved cache of a project, its archive at `STORAGE_DIR/build-cache/<projectId>/<key>.tar.gz`. */
@Schema({ collection: 'build_cache_entries', versionKey: false })
export class BuildCacheEntryRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  key!: string;

  @Prop({ required: true })
  sizeBytes!: number;

  @Prop({ type: [String], default: [] })
  directories!: string[];

  @Prop({ type: [String], default: [] })
  lockfiles!: string[];

  @Prop({ required: true })
  createdAt!: Date;

  /** When a build last saved or restored it: the entry used longest ago is evicted first. */
  @Prop({ required: true })
  lastUsedAt!: Date;

  @Prop({ required: true, default: 0 })
  hits!: number;
}

export const BuildCacheEntrySchema = SchemaFactory.createForClass(BuildCacheEntryRecord);
BuildCacheEntrySchema.index({ projectId: 1, key: 1 }, { unique: true });
BuildCacheEntrySchema.index({ lastUsedAt: 1 });
