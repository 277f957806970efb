import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from '../../common/graphql/json.scalar';
import type {
  ColumnInfo as ColumnInfoShape,
  IndexInfo as IndexInfoShape,
  QueryResult as QueryResultShape,
  TableInfo as TableInfoShape,
  TableSummary as TableSummaryShape,
} from '../engines/database-engine';

@ObjectType({ description: "One statement's answer from the query console." })
export class QueryResult {
  @Field(() => [String], { description: 'Column names, in order (field names for MongoDB, one column for Redis).' })
  columns!: string[];

  @Field(() => GraphQLJSON, {
    description:
      'The rows: a list of lists in the order of columns. Numbers past 2^53, dates and binary values are strings.',
  })
  rows!: unknown[][];

  @Field(() => Int, { description: 'Rows returned, or rows the statement changed when it returns none.' })
  rowCount!: number;

  @Field(() => Float, { description: 'How long the statement took, in milliseconds.' })
  durationMs!: number;

  @Field({ description: 'Whether rows were left out: past DATABASE_QUERY_MAX_ROWS or DATABASE_QUERY_MAX_BYTES.' })
  truncated!: boolean;

  static from(result: QueryResultShape): QueryResult {
    return Object.assign(new QueryResult(), {
      columns: result.columns,
      rows: result.rows,
      rowCount: result.rowCount,
      durationMs: result.durationMs,
      truncated: result.truncated,
    });
  }
}

export enum TableKind {
  TABLE = 'TABLE',
  VIEW = 'VIEW',
  COLLECTION = 'COLLECTION',
  KEY_GROUP = 'KEY_GROUP',
}
registerEnumType(TableKind, {
  name: 'TableKind',
  description:
    'A SQL table or view, a MongoDB collection, or the Redis keys of one type (string, hash, list, set, zset, stream).',
});

@ObjectType({ description: 'A table (collection, group of keys) of a database.' })
export class TableSummary {
  @Field({ description: 'Its name; schema-qualified (schema.table) for PostgreSQL schemas other than public.' })
  name!: string;

  @Field(() => TableKind)
  kind!: TableKind;

  @Field(() => Float, { nullable: true, description: "The server's estimate of its rows (documents, keys)." })
  rowEstimate!: number | null;

  static from(table: TableSummaryShape): TableSummary {
    return Object.assign(new TableSummary(), {
      name: table.name,
      kind: table.kind as TableKind,
      rowEstimate: table.rowEstimate,
    });
  }
}

@ObjectType()
export class ColumnInfo {
  @Field()
  name!: string;

  @Field({ description: "The server's name of its type." })
  type!: string;

  @Field()
  nullable!: boolean;

  @Field(() => String, { nullable: true })
  defaultValue!: string | null;

  static from(column: ColumnInfoShape): ColumnInfo {
    return Object.assign(new ColumnInfo(), column);
  }
}

@ObjectType()
export class IndexInfo {
  @Field()
  name!: string;

  @Field(() => [String])
  columns!: string[];

  @Field()
  unique!: boolean;

  @Field()
  primary!: boolean;

  static from(index: IndexInfoShape): IndexInfo {
    return Object.assign(new IndexInfo(), index);
  }
}

@ObjectType({ description: "A table's columns, indexes and row estimate." })
export class TableInfo extends TableSummary {
  @Field(() => [ColumnInfo])
  columns!: ColumnInfo[];

  @Field(() => [IndexInfo])
  indexes!: IndexInfo[];

  static override from(table: TableInfoShape): TableInfo {
    return Object.assign(new TableInfo(), {
      ...TableSummary.from(table),
      columns: table.columns.map((column) => ColumnInfo.from(column)),
      indexes: table.indexes.map((index) => IndexInfo.from(index)),
    });
  }
}
