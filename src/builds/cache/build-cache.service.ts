import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Model } from 'mongoose';
import { toObjectId } from '../../common/mongo/object-id';
import { AppConfig } from '../../config/app-config';
import { BuildRecord } from '../build.schema';
import { BuildCacheEntryRecord, CacheUse } from './build-cache.schema';

/** How far back `stats` counts hits and misses. */
const STATS_DAYS = 30;

export interface CacheStats {
  entries: number;
  sizeBytes: number;
  hits: number;
  misses: number;
  /** Hits among builds that looked for a cache; null when none did. */
  hitRate: number | null;
  lastUsedAt: Date | null;
}

export interface SavedCache {
  sizeBytes: number;
  /** False when the archive alone is larger than the whole cache may be. */
  kept: boolean;
}

/**
 * The build cache: one archive per project and key under `STORAGE_DIR/build-cache`, described in
 * MongoDB, bounded in size over all projects by `BUILD_CACHE_MAX_MB`, the entries used longest ago
 * removed first. Archives are made and unpacked by the build's own sandboxed commands; this
 * service only moves them between the store and a workspace, never following a link.
 */
@Injectable()
export class BuildCacheService {
  private readonly logger = new Logger(BuildCacheService.name);

  constructor(
    @InjectModel(BuildCacheEntryRecord.name) private readonly entries: Model<BuildCacheEntryRecord>,
    @InjectModel(BuildRecord.name) private readonly builds: Model<BuildRecord>,
    private readonly config: AppConfig,
  ) {}

  private get root(): string {
    return path.resolve(this.config.STORAGE_DIR, 'build-cache');
  }

  private file(projectId: string, key: string): string {
    return path.join(this.root, projectId, `${key}.tar.gz`);
  }

  /**
   * Copies the project's archive for `key` to `destination` (which must not exist) and counts the
   * hit; returns its size, or null on a miss.
   */
  async restore(projectId: string, key: string, destination: string): Promise<number | null> {
    const entry = await this.entries
      .findOneAndUpdate(
        { projectId: toObjectId(projectId), key },
        { $set: { lastUsedAt: new Date() }, $inc: { hits: 1 } },
        { returnDocument: 'after' },
      )
      .lean<BuildCacheEntryRecord>()
      .exec();
    if (!entry) return null;
    try {
      await copyFile(this.file(projectId, key), destination, constants.COPYFILE_EXCL);
    } catch (error) {
      // Evicted between the lookup and the copy: as good as never saved.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return entry.sizeBytes;
  }

  /**
   * Stores the archive a build made at `archive` (a regular file, never through a link) as the
   * project's cache for `key`, then evicts what the store no longer has room for.
   */
  async save(
    projectId: string,
    key: string,
    meta: { directories: string[]; lockfiles: string[] },
    archive: string,
  ): Promise<SavedCache> {
    const handle = await open(archive, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    let sizeBytes: number;
    const target = this.file(projectId, key);
    const partial = `${target}.${randomBytes(6).toString('hex')}.partial`;
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error('the cache archive is not a regular file');
      sizeBytes = stat.size;
      if (sizeBytes > this.maxBytes) return { sizeBytes, kept: false };
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(
        handle.createReadStream({ autoClose: false, start: 0 }),
        createWriteStream(partial, { flags: 'wx' }),
      );
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    } finally {
      await handle.close();
    }
    const now = new Date();
    await this.entries
      .updateOne(
        { projectId: toObjectId(projectId), key },
        {
          $set: { sizeBytes, directories: meta.directories, lockfiles: meta.lockfiles, lastUsedAt: now },
          $setOnInsert: { createdAt: now, hits: 0 },
        },
        { upsert: true },
      )
      .exec();
    await this.evict();
    return { sizeBytes, kept: true };
  }

  private get maxBytes(): number {
    return this.config.BUILD_CACHE_MAX_MB * 1024 * 1024;
  }

  /** Removes the entries used longest ago until the store fits its bound. */
  async evict(): Promise<number> {
    const all = await this.entries
      .find({}, { projectId: 1, key: 1, sizeBytes: 1 })
      .sort({ lastUsedAt: 1 })
      .lean<BuildCacheEntryRecord[]>()
      .exec();
    let total = all.reduce((sum, entry) => sum + entry.sizeBytes, 0);
    let evicted = 0;
    for (const entry of all) {
      if (total <= this.maxBytes) break;
      total -= entry.sizeBytes;
      // Whoever removes the record removes the file, so two workers never race over it.
      const { deletedCount } = await this.entries.deleteOne({ _id: entry._id }).exec();
      if (deletedCount === 1) {
        await rm(this.file(entry.projectId.toHexString(), entry.key), { force: true });
        evicted += 1;
      }
    }
    if (evicted > 0) this.logger.log(`Evicted ${evicted} build cache entries to stay within BUILD_CACHE_MAX_MB`);
    return evicted;
  }

  /** The project's entries and their size, and its hits and misses over the last 30 days. */
  async stats(projectId: string): Promise<CacheStats> {
    const project = toObjectId(projectId);
    const since = new Date(Date.now() - STATS_DAYS * 86_400_000);
    const [entries, hits, misses] = await Promise.all([
      this.entries.find({ projectId: project }, { sizeBytes: 1, lastUsedAt: 1 }).lean<BuildCacheEntryRecord[]>().exec(),
      this.builds
        .countDocuments({ projectId: project, queuedAt: { $gte: since }, 'cache.status': CacheUse.HIT })
        .exec(),
      this.builds
        .countDocuments({ projectId: project, queuedAt: { $gte: since }, 'cache.status': CacheUse.MISS })
        .exec(),
    ]);
    const lastUsed = Math.max(0, ...entries.map((e) => e.lastUsedAt.getTime()));
    return {
      entries: entries.length,
      sizeBytes: entries.reduce((sum, entry) => sum + entry.sizeBytes, 0),
      hits,
      misses,
      hitRate: hits + misses === 0 ? null : hits / (hits + misses),
      lastUsedAt: lastUsed === 0 ? null : new Date(lastUsed),
    };
  }

  /** Removes every entry of the project; returns how many and their size. */
  async clear(projectId: string): Promise<{ entries: number; sizeBytes: number }> {
    const project = toObjectId(projectId);
    const found = await this.entries
      .find({ projectId: project }, { key: 1, sizeBytes: 1 })
      .lean<BuildCacheEntryRecord[]>()
      .exec();
    let entries = 0;
    let sizeBytes = 0;
    for (const entry of found) {
      const { deletedCount } = await this.entries.deleteOne({ _id: entry._id }).exec();
      if (deletedCount !== 1) continue;
      await rm(this.file(projectId, entry.key), { force: true });
      entries += 1;
      sizeBytes += entry.sizeBytes;
    }
    return { entries, sizeBytes };
  }
}
