export * from './transport';
export * from './generated/graphql';
/** Every type of the schema, for code that handles whole objects (`Schema.Build`, `Schema.BuildStatus`). */
export type * as Schema from './generated/schema';
