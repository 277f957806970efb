import { PubSub } from 'graphql-subscriptions';
import type { LogLineRecord } from './build-log.schema';
import { BuildLogStream, buildLogTrigger, type BuildLogMessage } from './build-log-stream';
import { BuildStatus } from './build.schema';

const line = (seq: number): LogLineRecord => ({
  seq,
  at: new Date(),
  stream: 'stdout',
  step: 'build',
  text: `l${seq}`,
});
const range = (from: number, to: number): LogLineRecord[] =>
  Array.from({ length: to - from + 1 }, (_, i) => line(from + i));

/** A store holding `stored` lines, and a PubSub the test publishes on as the worker would. */
function setup(stored: LogLineRecord[], finished?: { status: BuildStatus; lastSeq: number }) {
  const pubSub = new PubSub();
  const store = {
    lines: (after: number, first: number) => Promise.resolve(stored.filter((l) => l.seq > after).slice(0, first)),
    finished: () => Promise.resolve(finished),
  };
  const stream = new BuildLogStream(pubSub, store, 'b1', 'p1', 0);
  const publish = (message: Partial<BuildLogMessage>) =>
    pubSub.publish(buildLogTrigger('b1'), { projectId: 'p1', buildId: 'b1', lines: [], ...message });
  return { stream, stored, publish };
}

async function drain(stream: BuildLogStream): Promise<{ seqs: number[]; status: BuildStatus | null }> {
  const seqs: number[] = [];
  for (;;) {
    const { done, value } = await stream.next();
    if (done) return { seqs, status: null };
    seqs.push(...value.lines.map((l) => l.seq));
    if (value.finished) {
      expect((await stream.next()).done).toBe(true);
      return { seqs, status: value.status };
    }
  }
}

describe('BuildLogStream', () => {
  it('replays what is stored, then follows live lines, dropping repeats and reading gaps back', async () => {
    const { stream, stored, publish } = setup(range(1, 3));
    const first = await stream.next(); // replay of 1..3; the subscription is open from here on
    expect(first.value.lines.map((l: LogLineRecord) => l.seq)).toEqual([1, 2, 3]);

    stored.push(...range(4, 8));
    await publish({ lines: range(2, 5) }); // repeats 2..3, brings 4..5
    await publish({ lines: range(7, 8) }); // 6 never published live: read back from the store
    await publish({ lines: range(7, 8) }); // delivered twice
    await publish({ finished: { status: BuildStatus.SUCCEEDED, lastSeq: 8 } });

    const rest = await drain(stream);
    expect([1, 2, 3, ...rest.seqs]).toEqual(range(1, 8).map((l) => l.seq));
    expect(rest.status).toBe(BuildStatus.SUCCEEDED);
  });

  it('joins the live messages waiting behind a slow subscriber into one batch, in order, up to a page', async () => {
    const { stream, publish } = setup(range(1, 2));
    expect((await stream.next()).value.lines.map((l: LogLineRecord) => l.seq)).toEqual([1, 2]);

    // Published while the subscriber was busy: it takes them at once, as one batch.
    await publish({ lines: range(3, 4) });
    await publish({ lines: range(4, 6) }); // overlaps: 4 is dropped
    await publish({ lines: range(7, 900) });
    await publish({ lines: range(901, 1_100) }); // would pass 1,000 lines: next batch
    await publish({ finished: { status: BuildStatus.SUCCEEDED, lastSeq: 1_100 } });

    const batches: number[][] = [];
    for (;;) {
      const { value } = await stream.next();
      if (value.finished) break;
      batches.push(value.lines.map((l: LogLineRecord) => l.seq));
    }
    expect(batches.map((b) => [b[0], b.at(-1), b.length])).toEqual([
      [3, 900, 898],
      [901, 1_100, 200],
    ]);
    expect(batches.flat()).toEqual(range(3, 1_100).map((l) => l.seq));
  });

  it('replays a finished build and completes without waiting', async () => {
    const { stream } = setup(range(1, 2_500), { status: BuildStatus.FAILED, lastSeq: 2_500 });

    const all = await drain(stream);
    expect(all.seqs).toEqual(range(1, 2_500).map((l) => l.seq));
    expect(all.status).toBe(BuildStatus.FAILED);
  });
});
