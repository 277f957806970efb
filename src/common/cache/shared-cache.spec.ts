import { PubSub } from 'graphql-subscriptions';
import { InvalidationBus } from './invalidation-bus';
import { SharedCacheFactory } from './shared-cache.factory';

/** An in-process PubSub whose subscription of the second process can be said to be cut and back. */
function pubSubs() {
  const pubSub = new PubSub();
  const resyncs: Array<() => void> = [];
  return {
    here: Object.assign(new PubSub(), {
      publish: pubSub.publish.bind(pubSub),
      subscribe: pubSub.subscribe.bind(pubSub),
      onResync: () => undefined,
    }),
    there: Object.assign(new PubSub(), {
      publish: pubSub.publish.bind(pubSub),
      subscribe: pubSub.subscribe.bind(pubSub),
      onResync: (listener: () => void) => resyncs.push(listener),
    }),
    resync: () => resyncs.forEach((listener) => listener()),
  };
}

/** Two factories on one in-process PubSub stand for two API processes on one Redis. */
async function twoProcesses() {
  const { here, there, resync } = pubSubs();
  const [a, b] = [
    new SharedCacheFactory(new InvalidationBus(here)),
    new SharedCacheFactory(new InvalidationBus(there)),
  ];
  const options = { topic: 'things', maxEntries: 10, maxAgeMs: 60_000 };
  const caches = { here: a.create<string>(options), there: b.create<string>(options), resync };
  await Promise.all([a.onModuleInit(), b.onModuleInit()]);
  return caches;
}

describe('SharedCache', () => {
  it('loads once, then answers from memory', async () => {
    const { here } = await twoProcesses();
    const load = jest.fn(async () => ({ value: 'v1' }));

    expect(await here.getOrLoad('p1:a', load)).toBe('v1');
    expect(await here.getOrLoad('p1:a', load)).toBe('v1');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('makes one read for concurrent misses of the same key', async () => {
    const { here } = await twoProcesses();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = jest.fn(async () => {
      await gate;
      return { value: 'v1' };
    });

    const reads = Promise.all([
      here.getOrLoad('p1:a', load),
      here.getOrLoad('p1:a', load),
      here.getOrLoad('p1:a', load),
    ]);
    release();

    expect(await reads).toEqual(['v1', 'v1', 'v1']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('starts a new read for callers that come after the key was forgotten during a read', async () => {
    const { here } = await twoProcesses();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const before = here.getOrLoad('p1:a', async () => {
      await gate;
      return { value: 'before the change' };
    });

    await here.forget('p1:');
    const after = here.getOrLoad('p1:a', async () => ({ value: 'after the change' }));
    release();

    expect(await before).toBe('before the change');
    expect(await after).toBe('after the change');
  });

  it('does not remember that something was not found', async () => {
    const { here } = await twoProcesses();
    const load = jest.fn(async () => null);

    expect(await here.getOrLoad('p1:a', load)).toBeNull();
    expect(await here.getOrLoad('p1:a', load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('drops a group in every process when one forgets it', async () => {
    const { here, there } = await twoProcesses();
    await there.getOrLoad('p1:a', async () => ({ value: 'old' }));
    await there.getOrLoad('p2:a', async () => ({ value: 'other' }));

    await here.forget('p1:');

    expect(there.get('p1:a')).toBeUndefined();
    expect(there.get('p2:a')).toBe('other');
  });

  it('does not store a value read while the group was being forgotten', async () => {
    const { here } = await twoProcesses();
    const value = await here.getOrLoad('p1:a', async () => {
      await here.forget('p1:');
      return { value: 'read before the change' };
    });

    expect(value).toBe('read before the change');
    expect(here.get('p1:a')).toBeUndefined();
  });

  it('keeps an entry no longer than it says it is valid', async () => {
    const { here } = await twoProcesses();
    await here.getOrLoad('p1:a', async () => ({ value: 'ended', validUntil: Date.now() - 1 }));

    expect(here.get('p1:a')).toBeUndefined();
  });

  it('drops everything when its subscription was cut, since invalidations sent meanwhile never arrive', async () => {
    const { there, resync } = await twoProcesses();
    await there.getOrLoad('p1:a', async () => ({ value: 'old' }));
    await there.getOrLoad('p2:a', async () => ({ value: 'other' }));

    resync();

    expect(there.get('p1:a')).toBeUndefined();
    expect(there.get('p2:a')).toBeUndefined();
  });

  it('tells its listeners of every group dropped, whichever process forgot it', async () => {
    const { here, there, resync } = await twoProcesses();
    const heard: string[] = [];
    there.onForget((prefix) => heard.push(prefix));

    await here.forget('p1:');
    await there.forget('p2:');
    resync();

    // Its own forget is heard at once (and again when its message comes back through Redis).
    expect(new Set(heard)).toEqual(new Set(['p1:', 'p2:', '']));
    expect(heard.at(-1)).toBe('');
  });
});
