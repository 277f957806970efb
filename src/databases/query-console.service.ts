import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DatabaseException, DatabaseExceptionReason } from './database.exception';
import { DatabasesService } from './databases.service';
import type { ExecuteQueryInput } from './dto/execute-query.input';
import { QueryResult, TableInfo, TableSummary } from './models/query-result.model';

/**
 * The query console: one statement at a time, run with the database's own credentials (never the
 * admin's) within the configured limits; read-only mode is the server's to enforce. Also the
 * listing of a database's tables.
 */
@Injectable()
export class QueryConsoleService {
  constructor(
    private readonly databases: DatabasesService,
    private readonly config: AppConfig,
  ) {}

  async execute(input: ExecuteQueryInput): Promise<QueryResult> {
    const max = this.config.DATABASE_QUERY_MAX_LENGTH;
    if (input.query.length > max) {
      throw new DatabaseException(
        DatabaseExceptionReason.QUERY_TOO_LONG,
        `A statement is at most ${max} characters; this one has ${input.query.length}`,
        { maxLength: max },
      );
    }
    if (input.query.trim() === '') {
      throw new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, 'The statement is empty');
    }
    const params = checkParams(input.params ?? []);
    const record = await this.databases.requireAvailable(input.databaseId);
    const result = await this.databases.onServer(record, 'query', () =>
      this.databases.driverOf(record).execute(this.databases.target(record), {
        query: input.query,
        params,
        readOnly: input.readOnly !== false,
        timeoutMs: this.config.DATABASE_QUERY_TIMEOUT_MS,
        maxRows: this.config.DATABASE_QUERY_MAX_ROWS,
        maxBytes: this.config.DATABASE_QUERY_MAX_BYTES,
      }),
    );
    return QueryResult.from(result);
  }

  async tables(databaseId: string): Promise<TableSummary[]> {
    const record = await this.databases.requireAvailable(databaseId);
    const tables = await this.databases.onServer(record, 'list the tables of', () =>
      this.databases.driverOf(record).listTables(this.databases.target(record)),
    );
    return tables.map((table) => TableSummary.from(table));
  }

  async table(databaseId: string, name: string): Promise<TableInfo> {
    const record = await this.databases.requireAvailable(databaseId);
    const table = await this.databases.onServer(record, 'describe a table of', () =>
      this.databases.driverOf(record).tableInfo(this.databases.target(record), name),
    );
    if (!table) {
      throw new DatabaseException(DatabaseExceptionReason.TABLE_NOT_FOUND, 'The database has no such table');
    }
    return TableInfo.from(table);
  }
}

/** Placeholder values: strings, finite numbers and booleans only (INVALID_QUERY otherwise). */
export function checkParams(params: readonly unknown[]): readonly (string | number | boolean)[] {
  params.forEach((value, index) => {
    const scalar =
      typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!scalar) {
      throw new DatabaseException(
        DatabaseExceptionReason.INVALID_QUERY,
        `params[${index}] must be a string, a number or a boolean`,
        { index },
      );
    }
  });
  return params as readonly (string | number | boolean)[];
}
