import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DATABASE_ENGINES, type DatabaseHost } from '../../config/database-hosts';
import { DatabaseStatus, type DatabaseRecord } from '../database.schema';
import { redisKeyPrefix } from '../database-names';

/** The engines as a GraphQL enum: an engine not in it is refused by the schema itself. */
export const DatabaseEngine = Object.fromEntries(DATABASE_ENGINES.map((engine) => [engine, engine])) as {
  [E in (typeof DATABASE_ENGINES)[number]]: E;
};
registerEnumType(DatabaseEngine, {
  name: 'DatabaseEngine',
  description: 'POSTGRESQL, MYSQL (served by MariaDB), MONGODB or REDIS.',
});
registerEnumType(DatabaseStatus, { name: 'DatabaseStatus' });

@ObjectType({
  description:
    "A managed database: one isolated database with its own user on its engine's server. Its password is never part of it: see revealDatabaseCredentials.",
})
export class Database {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field({ description: 'The name it was given, unique in the project.' })
  name!: string;

  @Field(() => DatabaseEngine)
  engine!: keyof typeof DatabaseEngine;

  @Field(() => DatabaseStatus)
  status!: DatabaseStatus;

  @Field(() => String, {
    nullable: true,
    description: 'The host users connect to; null when the platform no longer has a server for the engine.',
  })
  host!: string | null;

  @Field(() => Int, { nullable: true, description: 'The port users connect to; null as host is.' })
  port!: number | null;

  @Field({ description: "The database's name on the server (db_<id>)." })
  databaseName!: string;

  @Field({ description: "Its user's name on the server (u_<id>)." })
  username!: string;

  @Field(() => String, {
    nullable: true,
    description: 'REDIS only: the prefix every key of the database starts with; its user can reach no other key.',
  })
  keyPrefix!: string | null;

  @Field(() => String, { nullable: true, description: 'Why provisioning or deleting it failed.' })
  failureReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'When its password was last rotated.' })
  credentialsRotatedAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(record: DatabaseRecord, host: DatabaseHost | undefined): Database {
    return Object.assign(new Database(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      name: record.deletedName ?? record.name,
      engine: record.engine,
      status: record.status,
      host: host?.host ?? null,
      port: host?.port ?? null,
      databaseName: record.databaseName,
      username: record.username,
      keyPrefix: record.engine === 'REDIS' ? redisKeyPrefix(record.databaseName) : null,
      failureReason: record.failureReason ?? null,
      credentialsRotatedAt: record.credentialsRotatedAt ?? null,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}

@ObjectType({ description: 'A new database and, this once without asking, its connection string.' })
export class CreateDatabasePayload {
  @Field(() => Database)
  database!: Database;

  @Field({
    description: 'The URL to connect with, credentials included. Ask for it again with revealDatabaseCredentials.',
  })
  connectionString!: string;
}

@ObjectType({ description: "What connecting to a database takes: its user's credentials and where it is." })
export class DatabaseCredentials {
  @Field()
  username!: string;

  @Field()
  password!: string;

  @Field(() => String, { nullable: true })
  host!: string | null;

  @Field(() => Int, { nullable: true })
  port!: number | null;

  @Field()
  databaseName!: string;

  @Field({ description: 'The same, as one URL.' })
  connectionString!: string;
}
