import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum DatabaseExceptionReason {
  /** The engine is not one of POSTGRESQL, MYSQL, MONGODB, REDIS. */
  UNKNOWN_ENGINE = 'UNKNOWN_ENGINE',
  /** The operator configured no host for this engine (DATABASE_HOSTS). */
  ENGINE_UNAVAILABLE = 'ENGINE_UNAVAILABLE',
  INVALID_DATABASE_NAME = 'INVALID_DATABASE_NAME',
  DATABASE_NAME_TAKEN = 'DATABASE_NAME_TAKEN',
  DATABASE_NOT_FOUND = 'DATABASE_NOT_FOUND',
  /** The database is not AVAILABLE (still provisioning, failed, being deleted or restored). */
  DATABASE_NOT_AVAILABLE = 'DATABASE_NOT_AVAILABLE',
  /** The engine's server could not be reached or refused the platform's admin connection. */
  HOST_UNAVAILABLE = 'HOST_UNAVAILABLE',
  QUERY_TOO_LONG = 'QUERY_TOO_LONG',
  /** The statement is not one the engine accepts (syntax, unknown command, bad JSON, bad params). */
  INVALID_QUERY = 'INVALID_QUERY',
  /** The server ran the statement and refused or failed it (its message is kept). */
  QUERY_FAILED = 'QUERY_FAILED',
  /** The server refused a write in read-only mode. */
  READ_ONLY_VIOLATION = 'READ_ONLY_VIOLATION',
  /** The statement ran past DATABASE_QUERY_TIMEOUT_MS and was canceled. */
  QUERY_TIMEOUT = 'QUERY_TIMEOUT',
  TABLE_NOT_FOUND = 'TABLE_NOT_FOUND',
  BACKUP_NOT_FOUND = 'BACKUP_NOT_FOUND',
  /** The backup is not SUCCEEDED (still running, or failed). */
  BACKUP_NOT_READY = 'BACKUP_NOT_READY',
  /** The stored backup's checksum does not match the one recorded: it is not restored. */
  BACKUP_CORRUPT = 'BACKUP_CORRUPT',
  /** A backup or restore of this database is already running. */
  OPERATION_IN_PROGRESS = 'OPERATION_IN_PROGRESS',
  INVALID_SCHEDULE = 'INVALID_SCHEDULE',
  INVALID_TIMEZONE = 'INVALID_TIMEZONE',
  INVALID_RETENTION = 'INVALID_RETENTION',
  /** A backup of one engine cannot be restored into a database of another. */
  ENGINE_MISMATCH = 'ENGINE_MISMATCH',
  /** A restore names both a target database and a new database's name. */
  INVALID_RESTORE_TARGET = 'INVALID_RESTORE_TARGET',
}

const CODES: ReasonCodes<DatabaseExceptionReason> = {
  [DatabaseExceptionReason.UNKNOWN_ENGINE]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.ENGINE_UNAVAILABLE]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.INVALID_DATABASE_NAME]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.DATABASE_NAME_TAKEN]: ErrorCode.CONFLICT,
  [DatabaseExceptionReason.DATABASE_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [DatabaseExceptionReason.DATABASE_NOT_AVAILABLE]: ErrorCode.CONFLICT,
  [DatabaseExceptionReason.HOST_UNAVAILABLE]: ErrorCode.SERVICE_UNAVAILABLE,
  [DatabaseExceptionReason.QUERY_TOO_LONG]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.INVALID_QUERY]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.QUERY_FAILED]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.READ_ONLY_VIOLATION]: ErrorCode.FORBIDDEN,
  [DatabaseExceptionReason.QUERY_TIMEOUT]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.TABLE_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [DatabaseExceptionReason.BACKUP_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [DatabaseExceptionReason.BACKUP_NOT_READY]: ErrorCode.CONFLICT,
  [DatabaseExceptionReason.BACKUP_CORRUPT]: ErrorCode.CONFLICT,
  [DatabaseExceptionReason.OPERATION_IN_PROGRESS]: ErrorCode.CONFLICT,
  [DatabaseExceptionReason.INVALID_SCHEDULE]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.INVALID_TIMEZONE]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.INVALID_RETENTION]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.ENGINE_MISMATCH]: ErrorCode.BAD_USER_INPUT,
  [DatabaseExceptionReason.INVALID_RESTORE_TARGET]: ErrorCode.BAD_USER_INPUT,
};

export class DatabaseException extends AppException<DatabaseExceptionReason> {
  readonly feature = 'databases';
  protected readonly codes = CODES;
}
