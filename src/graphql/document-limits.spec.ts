import { buildSchema } from 'graphql';
import { loadConfig } from '../config/app-config';
import { operationLimitRules } from '../common/graphql/operation-limits';
import { checkDocument, type CheckedDocument } from './document-limits';

const schema = buildSchema('type Query { me: String, you: String }');
const config = loadConfig({
  MONGODB_URI: 'mongodb://127.0.0.1:27017/slipway',
  REDIS_URL: 'redis://127.0.0.1:6379',
  GRAPHQL_MAX_TOKENS: '200',
});
const rules = operationLimitRules(config);

const sut = (query: unknown, operationName?: string) =>
  checkDocument(schema, rules, config.GRAPHQL_MAX_TOKENS, query, operationName);
const extensionsOf = (checked: CheckedDocument) => ('errors' in checked ? checked.errors.map((e) => e.extensions) : []);

describe('checkDocument', () => {
  it('hands back the document of a valid operation', () => {
    const checked = sut('query A { me } query B { you }', 'B');

    expect('document' in checked && checked.document.definitions).toHaveLength(2);
  });

  it('codes each failure as Apollo codes it over HTTP, keeping the reason of a limit', () => {
    expect(extensionsOf(sut('{ me '))).toEqual([{ code: 'GRAPHQL_PARSE_FAILED' }]);
    expect(extensionsOf(sut(`{ ${'me '.repeat(200)}}`))).toEqual([
      { code: 'GRAPHQL_PARSE_FAILED', reason: 'TOO_MANY_TOKENS' },
    ]);
    expect(extensionsOf(sut('{ nope }'))).toEqual([{ code: 'GRAPHQL_VALIDATION_FAILED' }]);
    expect(extensionsOf(sut(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me`).join(' ')} }`))).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', reason: 'TOO_MANY_ALIASES' },
    ]);
    expect(extensionsOf(sut('query A { me } query B { you }', 'C'))).toEqual([
      { code: 'OPERATION_RESOLUTION_FAILURE' },
    ]);
    expect(extensionsOf(sut('query A { me } query B { you }'))).toEqual([{ code: 'OPERATION_RESOLUTION_FAILURE' }]);
    expect(extensionsOf(sut(undefined))).toEqual([{ code: 'BAD_USER_INPUT' }]);
  });

  it('keeps where a syntax error is', () => {
    const checked = sut('{ me ');

    expect('errors' in checked && checked.errors[0]!.locations).toEqual([{ line: 1, column: 6 }]);
  });
});
