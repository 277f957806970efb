import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { AuditSecretArgs } from '../audit/audit-project.decorator';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType, type Connection } from '../common/pagination/connection';
import { DatabasesService } from './databases.service';
import { CreateDatabaseInput } from './dto/create-database.input';
import { DatabaseRefInput } from './dto/database-ref.input';
import { DatabaseIdArgs, DatabasesArgs, ListTablesArgs, TableInfoArgs } from './dto/databases.args';
import { ExecuteQueryInput } from './dto/execute-query.input';
import { UpdateDatabaseInput } from './dto/update-database.input';
import { CreateDatabasePayload, Database, DatabaseCredentials } from './models/database.model';
import { QueryResult, TableInfo, TableSummary } from './models/query-result.model';
import { QueryConsoleService } from './query-console.service';

const DatabaseConnection = ConnectionType(Database);
const BY_INPUT_DATABASE = { entity: 'database', idArg: 'input.id' } as const;

@Resolver(() => Database)
export class DatabasesResolver {
  constructor(
    private readonly service: DatabasesService,
    private readonly console: QueryConsoleService,
  ) {}

  @Mutation(() => CreateDatabasePayload, {
    description:
      "Creates a database with its own user on the engine's server: PROVISIONING until its job has made it, then AVAILABLE (or FAILED, with nothing left on the server). The connection string is in the answer.",
  })
  @RequirePermission('database:create', { projectIdArg: 'input.projectId' })
  async createDatabase(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CreateDatabaseInput,
  ): Promise<CreateDatabasePayload> {
    const { database, connectionString } = await this.service.create(ctx.actorId, input);
    return Object.assign(new CreateDatabasePayload(), { database: this.service.present(database), connectionString });
  }

  @Mutation(() => Database, { description: 'Renames a database; its names on the server stay.' })
  @RequirePermission('database:update', BY_INPUT_DATABASE)
  updateDatabase(@Args('input') input: UpdateDatabaseInput): Promise<Database> {
    return this.service.rename(input.id, input.name);
  }

  @Mutation(() => Database, {
    description:
      'Drops a database and its user from the server (a job): it is DELETING until then, and gone from databases after.',
  })
  @RequirePermission('database:delete', BY_INPUT_DATABASE)
  deleteDatabase(@Args('input') input: DatabaseRefInput): Promise<Database> {
    return this.service.delete(input.id);
  }

  @Mutation(() => DatabaseCredentials, {
    description: "Gives the database's user a new password: the old connection string stops working.",
  })
  @RequirePermission('database:update', BY_INPUT_DATABASE)
  rotateDatabaseCredentials(@Args('input') input: DatabaseRefInput): Promise<DatabaseCredentials> {
    return this.service.rotate(input.id);
  }

  @Mutation(() => DatabaseCredentials, {
    description:
      "The database's credentials and connection string. A mutation, so that the audit log records who asked (never the answer).",
  })
  @RequirePermission('database:query', BY_INPUT_DATABASE)
  revealDatabaseCredentials(@Args('input') input: DatabaseRefInput): Promise<DatabaseCredentials> {
    return this.service.reveal(input.id);
  }

  @Mutation(() => QueryResult, {
    description:
      "Runs one statement with the database's own credentials, read-only unless readOnly is false, within the platform's time, row and byte limits. A mutation: it may write, and it is audited (the statement, not its params).",
  })
  @RequirePermission('database:query', { entity: 'database', idArg: 'input.databaseId' })
  @AuditSecretArgs('input.params')
  executeQuery(@Args('input') input: ExecuteQueryInput): Promise<QueryResult> {
    return this.console.execute(input);
  }

  @Query(() => DatabaseConnection, { description: "A project's databases, newest first." })
  @RequirePermission('database:read')
  databases(@Args() args: DatabasesArgs): Promise<Connection<Database>> {
    return this.service.list(args.projectId, args);
  }

  @Query(() => Database)
  @RequirePermission('database:read', { entity: 'database', idArg: 'id' })
  async database(@Args() args: DatabaseIdArgs): Promise<Database> {
    return this.service.present(await this.service.get(args.id));
  }

  @Query(() => [TableSummary], { description: "An AVAILABLE database's tables (collections, groups of keys)." })
  @RequirePermission('database:read', { entity: 'database', idArg: 'databaseId' })
  listTables(@Args() args: ListTablesArgs): Promise<TableSummary[]> {
    return this.console.tables(args.databaseId);
  }

  @Query(() => TableInfo, { description: "One table's columns, indexes and row estimate." })
  @RequirePermission('database:read', { entity: 'database', idArg: 'databaseId' })
  tableInfo(@Args() args: TableInfoArgs): Promise<TableInfo> {
    return this.console.table(args.databaseId, args.table);
  }
}
