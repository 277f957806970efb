import { describeEvent } from './activity-description';

describe('describeEvent', () => {
  it('reads a known family through its own fields', () => {
    expect(describeEvent('build.failed', { buildId: 'b1', branch: 'main', status: 'FAILED' })).toEqual({
      verb: 'failed',
      object: { type: 'build', id: 'b1', name: 'main' },
    });
    expect(describeEvent('member.removed', { userId: 'u1', email: 'a@b.test', reason: 'left' })).toEqual({
      verb: 'removed',
      object: { type: 'member', id: 'u1', name: 'a@b.test' },
    });
    expect(describeEvent('settings.updated', { group: 'limits', fields: ['a'] })).toEqual({
      verb: 'updated',
      object: { type: 'settings', id: 'limits', name: 'limits' },
    });
  });

  it('names the project itself as the object of project events', () => {
    expect(describeEvent('project.created', { name: 'Shop', slug: 'shop' }, 'p1')).toEqual({
      verb: 'created',
      object: { type: 'project', id: 'p1', name: 'Shop' },
    });
  });

  it('reads an event no family lists the generic way, so new events need no code', () => {
    expect(describeEvent('database.backed_up', { databaseId: 'd1', name: 'main db' })).toEqual({
      verb: 'backed_up',
      object: { type: 'database', id: 'd1', name: 'main db' },
    });
    expect(describeEvent('queue.paused', { id: 'q1' })).toEqual({
      verb: 'paused',
      object: { type: 'queue', id: 'q1', name: null },
    });
    expect(describeEvent('heartbeat', {})).toEqual({
      verb: 'happened',
      object: { type: 'heartbeat', id: null, name: null },
    });
  });

  it('keeps labels short and takes lists and numbers as text, never objects', () => {
    expect(describeEvent('env.updated', { version: 3, keys: ['A', 'B'] }).object).toEqual({
      type: 'env',
      id: '3',
      name: 'A, B',
    });
    expect(describeEvent('function.created', { functionId: { $ne: 1 }, name: 'x'.repeat(500) }).object).toEqual({
      type: 'function',
      id: null,
      name: 'x'.repeat(200),
    });
  });
});
