import { DatabaseException, DatabaseExceptionReason } from '../database.exception';

/** Commands the query console runs in read-only mode (explain only of these). */
export const MONGODB_READ_COMMANDS = [
  'find',
  'aggregate',
  'count',
  'distinct',
  'listCollections',
  'listIndexes',
  'collStats',
  'dbStats',
  'explain',
  'ping',
] as const;

/** Commands it also runs in read-write mode: each acts on the database's own collections only. */
export const MONGODB_WRITE_COMMANDS = [
  'insert',
  'update',
  'delete',
  'findAndModify',
  'create',
  'drop',
  'createIndexes',
  'dropIndexes',
  'collMod',
  'dropDatabase',
] as const;

/** Commands whose answer is a cursor the console reads documents from. */
export const MONGODB_CURSOR_COMMANDS = ['find', 'aggregate', 'listCollections', 'listIndexes'] as const;

/**
 * Aggregation stages that report on the whole server (other databases' operations, sessions,
 * catalogs) or wait for changes: never run from the console.
 */
const SERVER_STAGES = [
  '$currentOp',
  '$listSessions',
  '$listLocalSessions',
  '$listCatalog',
  '$changeStream',
  '$changeStreamSplitLargeEvent',
  '$shardedDataDistribution',
  '$querySettings',
  '$listSampledQueries',
  '$listClusterCatalog',
];

/** Keys whose value may name a collection of another database as `{ db, coll }`. */
const NAMESPACE_KEYS = ['$out', '$merge', 'into', '$lookup', 'from', '$unionWith', '$graphLookup'];

export interface MongoCommandCheck {
  /** The command's name (the document's first key). */
  readonly name: string;
  /** Whether it changes data ($out / $merge count as writes). */
  readonly write: boolean;
  /** Whether its answer is a cursor. */
  readonly cursor: boolean;
}

function invalid(message: string): DatabaseException {
  return new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/**
 * Walks the whole command: refuses `$db` anywhere, a namespace of another database (`$out`,
 * `$merge`, `$lookup`, `$unionWith` with `{ db, coll }`), server-wide stages; reports whether it
 * holds `$out` or `$merge`.
 */
function walk(value: unknown, databaseName: string, depth: number): { writesOut: boolean } {
  if (depth > 100) throw invalid('The command is nested too deeply');
  let writesOut = false;
  if (Array.isArray(value)) {
    for (const item of value) writesOut = walk(item, databaseName, depth + 1).writesOut || writesOut;
    return { writesOut };
  }
  if (!isPlainObject(value)) return { writesOut };
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$db') throw invalid('The query console runs commands on this database only: remove "$db"');
    if (SERVER_STAGES.includes(key)) throw invalid(`The query console does not run ${key}`);
    if (key === '$out' || key === '$merge') writesOut = true;
    if (NAMESPACE_KEYS.includes(key) && isPlainObject(inner) && 'db' in inner && inner.db !== databaseName) {
      throw invalid(`The query console runs commands on this database only: "${key}" names another database`);
    }
    writesOut = walk(inner, databaseName, depth + 1).writesOut || writesOut;
  }
  return { writesOut };
}

/**
 * Checks one console command against the database it runs on: a command of the allowed lists, on
 * this database only; in read-only mode a write is a READ_ONLY_VIOLATION. Throws INVALID_QUERY
 * for anything else.
 */
export function checkMongoCommand(command: unknown, databaseName: string, readOnly: boolean): MongoCommandCheck {
  if (!isPlainObject(command)) throw invalid('The query must be one command document, a JSON object');
  const name = Object.keys(command)[0];
  if (name === undefined) throw invalid('The command document is empty');
  const reads: readonly string[] = MONGODB_READ_COMMANDS;
  const writes: readonly string[] = MONGODB_WRITE_COMMANDS;
  if (!reads.includes(name) && !writes.includes(name)) {
    throw invalid(`The query console runs only these commands: ${[...reads, ...writes].join(', ')}`);
  }
  const { writesOut } = walk(command, databaseName, 0);
  let write = writes.includes(name) || writesOut;
  if (name === 'explain') {
    const inner = command.explain;
    if (!isPlainObject(inner)) throw invalid('explain takes a command document');
    const innerName = Object.keys(inner)[0];
    if (
      innerName === undefined ||
      innerName === 'explain' ||
      !(reads.includes(innerName) || writes.includes(innerName))
    ) {
      throw invalid('explain takes one of the commands the query console runs');
    }
    // explain does not run the command, but read-only mode explains reads only.
    write = writes.includes(innerName) || writesOut;
  }
  if (readOnly && write) {
    throw new DatabaseException(
      DatabaseExceptionReason.READ_ONLY_VIOLATION,
      `"${name}"${writesOut ? ' with $out or $merge' : ''} writes, and the query console is in read-only mode`,
    );
  }
  return { name, write, cursor: (MONGODB_CURSOR_COMMANDS as readonly string[]).includes(name) };
}
