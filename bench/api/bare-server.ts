/**
 * Baseline for `npm run bench:api`: the smallest NestJS + Apollo app that answers the same
 * `project(id)` query as the real API, code-first like the real app, with no guard, pipe,
 * audit, authentication or database. The figures of the real API are read against it.
 *
 * Built by bench/api/run.js with `npx tsc -p bench/tsconfig.json` into bench/dist/api/.
 * Environment: PORT (default 0 = any free port), HOST (default 127.0.0.1).
 * Prints `BARE_LISTENING <port>` on stdout once it accepts connections.
 */
import 'reflect-metadata';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Args, Field, GraphQLModule, ID, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Same fields and scalar types as the real `Project` object type. */
@ObjectType('BareProject')
export class BareProject {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  slug!: string;

  @Field()
  description!: string;

  @Field(() => ID)
  ownerId!: string;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

/**
 * The constant answer. run.js creates the real project with the same name, slug and description,
 * so both servers send bodies of the same size; only `id` echoes the argument, so the benchmark
 * can check every response of both servers the same way.
 */
export const BARE_PROJECT = {
  name: 'Benchmark project',
  slug: 'benchmark-project',
  description: 'Created by bench/api/run.js',
  ownerId: '65a000000000000000000001',
  createdAt: new Date('2024-01-01T00:00:00.000Z'),
  updatedAt: new Date('2024-01-01T00:00:00.000Z'),
} as const;

@Resolver(() => BareProject)
export class BareProjectResolver {
  @Query(() => BareProject)
  project(@Args('id', { type: () => ID }) id: string): BareProject {
    return Object.assign(new BareProject(), BARE_PROJECT, { id });
  }
}

@Module({
  imports: [
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      // The same Apollo settings as src/graphql/graphql-config.ts in production, minus the
      // application's own validation rule, context and error formatting.
      path: '/graphql',
      autoSchemaFile: true,
      sortSchema: true,
      graphiql: false,
      playground: false,
      introspection: false,
      csrfPrevention: true,
      includeStacktraceInErrorResponses: false,
      buildSchemaOptions: { dateScalarMode: 'isoDate', numberScalarMode: 'float' },
    }),
  ],
  providers: [BareProjectResolver],
})
export class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(BareModule, { logger: ['error', 'warn'] });
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  await app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`BARE_LISTENING ${address.port}\n`);
  const stop = (): void => {
    void app.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bare server failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
