import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PubSubEngine } from 'graphql-subscriptions';
import { PUB_SUB } from '../common/pubsub/pubsub.token';
import type { Model } from 'mongoose';
import { newObjectId, toObjectId } from '../common/mongo/object-id';
import { BuildLogChunkRecord, type LogLineRecord } from './build-log.schema';
import { BuildLogStream, buildLogTrigger, type BuildLogMessage } from './build-log-stream';
import { BuildRecord, BuildStatus, FINISHED_STATUSES } from './build.schema';
import { BuildLogLine } from './models/build-log-line.model';

/** Lines one build may store; past it a marker says the rest was not kept. */
export const MAX_LINES_PER_BUILD = 200_000;
/** Bytes of text one build may store. */
export const MAX_BYTES_PER_BUILD = 20 * 1024 * 1024;
const FLUSH_EVERY_MS = 100;
const FLUSH_LINES = 1_000;

/**
 * Appends a build's lines with consecutive sequence numbers and stores them in batches: a chunk
 * every 100 ms or 1,000 lines, whichever comes first, in order. Each stored batch is then published
 * to the build's live subscribers, on every API process.
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
    private readonly projectId: string,
    private readonly chunks: Model<BuildLogChunkRecord>,
    private readonly builds: Model<BuildRecord>,
    private readonly pubSub: PubSubEngine,
    startSeq = 0,
  ) {
    this.seq = startSeq;
  }

  /** The last sequence number given out. */
  get lastSeq(): number {
    return this.seq;
  }

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
      const message: BuildLogMessage = { projectId: this.projectId, buildId: this.buildId, lines };
      await this.pubSub.publish(buildLogTrigger(this.buildId), message);
    });
    return this.writing;
  }
}

@Injectable()
export class BuildLogsService {
  constructor(
    @InjectModel(BuildLogChunkRecord.name) private readonly chunks: Model<BuildLogChunkRecord>,
    @InjectModel(BuildRecord.name) private readonly builds: Model<BuildRecord>,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
  ) {}

  /** A writer for a build's log, going on after the `startSeq` lines it already has. */
  writer(buildId: string, projectId: string, startSeq = 0): BuildLogWriter {
    return new BuildLogWriter(buildId, projectId, this.chunks, this.builds, this.pubSub, startSeq);
  }

  /** The last sequence number stored for a build (a worker may have died before counting it on the build). */
  async lastStoredSeq(buildId: string): Promise<number> {
    const last = await this.chunks
      .findOne({ buildId: toObjectId(buildId) }, { lastSeq: 1 })
      .sort({ lastSeq: -1 })
      .lean<BuildLogChunkRecord>()
      .exec();
    return last?.lastSeq ?? 0;
  }

  /** Tells live subscribers the build has ended, after its last line (stored before this is called). */
  async finished(buildId: string, projectId: string, status: BuildStatus, lastSeq: number): Promise<void> {
    const message: BuildLogMessage = { projectId, buildId, lines: [], finished: { status, lastSeq } };
    await this.pubSub.publish(buildLogTrigger(buildId), message);
  }

  /** The log of a build for one subscriber: stored lines after `afterSeq`, then live ones, until the end. */
  stream(buildId: string, projectId: string, afterSeq: number): BuildLogStream {
    return new BuildLogStream(
      this.pubSub,
      {
        lines: async (after, first) =>
          (await this.list(buildId, after, first)).map((line) => ({ ...line, stream: line.stream as 'stdout' })),
        finished: async () => {
          const record = await this.builds
            .findById(toObjectId(buildId), { status: 1, logLines: 1 })
            .lean<BuildRecord>()
            .exec();
          if (!record) return { status: BuildStatus.FAILED, lastSeq: 0 };
          return FINISHED_STATUSES.includes(record.status)
            ? { status: record.status, lastSeq: record.logLines }
            : undefined;
        },
      },
      buildId,
      projectId,
      afterSeq,
    );
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
