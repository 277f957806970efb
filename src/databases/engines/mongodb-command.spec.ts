import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { checkMongoCommand } from './mongodb-command';

function reason(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof DatabaseException ? error.reason : 'not a DatabaseException';
  }
}

describe('checkMongoCommand', () => {
  it('accepts reads in read-only mode and tells cursor commands apart', () => {
    expect(checkMongoCommand({ find: 'users', filter: { age: { $gt: 3 } } }, 'db_a', true)).toEqual({
      name: 'find',
      write: false,
      cursor: true,
    });
    expect(checkMongoCommand({ count: 'users' }, 'db_a', true)).toEqual({ name: 'count', write: false, cursor: false });
    expect(checkMongoCommand({ explain: { find: 'users' } }, 'db_a', true).write).toBe(false);
  });

  it('refuses writes in read-only mode and accepts them in read-write mode', () => {
    const insert = { insert: 'users', documents: [{ a: 1 }] };
    expect(reason(() => checkMongoCommand(insert, 'db_a', true))).toBe(DatabaseExceptionReason.READ_ONLY_VIOLATION);
    expect(checkMongoCommand(insert, 'db_a', false)).toEqual({ name: 'insert', write: true, cursor: false });
    const out = { aggregate: 'users', pipeline: [{ $match: {} }, { $out: 'copy' }], cursor: {} };
    expect(reason(() => checkMongoCommand(out, 'db_a', true))).toBe(DatabaseExceptionReason.READ_ONLY_VIOLATION);
    expect(checkMongoCommand(out, 'db_a', false).write).toBe(true);
    expect(reason(() => checkMongoCommand({ explain: { delete: 'users', deletes: [] } }, 'db_a', true))).toBe(
      DatabaseExceptionReason.READ_ONLY_VIOLATION,
    );
  });

  it('refuses commands outside the lists, and anything but one object', () => {
    for (const command of [
      { listDatabases: 1 },
      { getMore: 1, collection: 'x' },
      { renameCollection: 'a.b', to: 'c.d' },
      {},
      [],
      'find',
      null,
    ]) {
      expect(reason(() => checkMongoCommand(command, 'db_a', false))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    }
    expect(reason(() => checkMongoCommand({ explain: { listDatabases: 1 } }, 'db_a', false))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
  });

  it('refuses any reach into another database, at any depth', () => {
    const other = [
      { find: 'users', $db: 'db_b' },
      { aggregate: 'u', pipeline: [{ $out: { db: 'db_b', coll: 'x' } }], cursor: {} },
      { aggregate: 'u', pipeline: [{ $merge: { into: { db: 'db_b', coll: 'x' } } }], cursor: {} },
      {
        aggregate: 'u',
        pipeline: [{ $lookup: { from: { db: 'db_b', coll: 'x' }, as: 'y', pipeline: [] } }],
        cursor: {},
      },
      {
        aggregate: 'u',
        pipeline: [{ $facet: { a: [{ $unionWith: { coll: 'x', pipeline: [{ $currentOp: {} }] } }] } }],
        cursor: {},
      },
      { aggregate: 1, pipeline: [{ $listSessions: {} }], cursor: {} },
      { find: 'u', filter: { $and: [{ nested: { $db: 'db_b' } }] } },
    ];
    for (const command of other) {
      expect(reason(() => checkMongoCommand(command, 'db_a', false))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    }
    expect(
      checkMongoCommand({ aggregate: 'u', pipeline: [{ $out: { db: 'db_a', coll: 'x' } }], cursor: {} }, 'db_a', false)
        .write,
    ).toBe(true);
  });
});
