import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';

const HEADER = [
  '# Slipway GraphQL schema, generated from the code-first resolvers.',
  '# Do not edit: regenerate with `npm run schema`; a test fails when this file is stale.',
].join('\n');

/** The committed `schema.gql` text for a schema: sorted, so diffs show real changes only. */
export function printAppSchema(schema: GraphQLSchema): string {
  return `${HEADER}\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
