import { GraphQLSchemaHost } from '@nestjs/graphql';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printAppSchema } from '../src/graphql/print-schema';
import { startTestApp, type TestApp } from './support/test-app';

const SCHEMA_FILE = path.resolve(__dirname, '..', 'schema.gql');

describe('schema.gql', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('matches the schema the running API serves (regenerate with `npm run schema`)', () => {
    const live = printAppSchema(api.app.get(GraphQLSchemaHost).schema);
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, live);
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed).toBe(live);
  });
});
