import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { newObjectId, toObjectId } from '../common/mongo/object-id';
import { BuildLogChunkRecord, type LogLineRecord } from './build-log.schema';
import { BuildRecord } from './build.schema';
import { BuildLogLine } from './models/build-log-line.model';

/** Lines one build may store; past it a marker says the rest was not kept. */
export const MAX_LINES_PER_BUILD = 200_000;
/** Bytes of text one build may store. */
export const MAX_BYTES_PER_BUILD = 20 * 1024 * 1024;
const FLUSH_EVERY_MS = 100;
const FLUSH_LINES = 1_000;

/**
 * Appends a build's lines with consecutive sequence numbers and stores them in batches: a chunk
 * every 100 ms or 1,000 lines, whichever comes first, in order.
 */
export class BuildLogWriter {
  private seq = 0;
  private bytes = 0;
  private pending: LogLineRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private capped = false;

  constructor(
    private readonly buildId: string,
    private readonly chunks: Model<BuildLogChunkRecord>,
    private readonly builds: Model<BuildRecord>,
  ) {}

  append(stream: LogLineRecord['stream'], step: string, text: string): void {
    if (this.capped) return;
    if (this.seq >= MAX_LINES_PER_BUILD - 1 || this.bytes + text.length > MAX_BYTES_PER_BUILD) {
      this.capped = true;
      text = `[log cut: a build keeps at most ${MAX_LINES_PER_BUILD} lines and ${MAX_BYTES_PER_BUILD / 1024 / 1024} MiB]`;
      stream = 'system';
    }
    this.bytes += text.length;
    this.pending.push({ seq: ++this.seq, at: new Date(), stream, step, text });
    if (this.pending.length >= FLUSH_LINES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Stores what was appended so far, after what was stored before. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      await this.chunks.collection.insertOne({
        _id: newObjectId(),
        buildId: toObjectId(this.buildId),
        firstSeq: lines[0]!.seq,
        lastSeq: lines.at(-1)!.seq,
        lines,
      });
      await this.builds.updateOne({ _id: toObjectId(this.buildId) }, { $set: { logLines: lines.at(-1)!.seq } }).exec();
    });
    return this.writing;
  }
}

@Injectable()
export class BuildLogsService {
  constructor(
    @InjectModel(BuildLogChunkRecord.name) private readonly chunks: Model<BuildLogChunkRecord>,
    @InjectModel(BuildRecord.name) private readonly builds: Model<BuildRecord>,
  ) {}

  writer(buildId: string): BuildLogWriter {
    return new BuildLogWriter(buildId, this.chunks, this.builds);
  }

  /** Lines after `afterSeq`, in order, at most `first`. */
  async list(buildId: string, afterSeq: number, first: number): Promise<BuildLogLine[]> {
    const chunks = await this.chunks
      .find({ buildId: toObjectId(buildId), lastSeq: { $gt: afterSeq } })
      .sort({ firstSeq: 1 })
      // Every chunk holds at least one line.
      .limit(first)
      .lean<BuildLogChunkRecord[]>()
      .exec();
    const lines: BuildLogLine[] = [];
    for (const chunk of chunks) {
      for (const line of chunk.lines) {
        if (line.seq <= afterSeq) continue;
        if (lines.length >= first) return lines;
        lines.push(Object.assign(new BuildLogLine(), line));
      }
    }
    return lines;
  }
}
