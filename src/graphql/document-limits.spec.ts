import { buildSchema } from 'graphql';
import { depthLimitRule } from '../common/graphql/depth-limit.rule';
import { checkDocument, type CheckedDocument } from './document-limits';

const schema = buildSchema('type Node { child: Node, id: ID } type Query { me: String, you: String, node: Node }');
const rules = [depthLimitRule(2)];

const sut = (query: unknown, operationName?: string) => checkDocument(schema, rules, query, operationName);
const extensionsOf = (checked: CheckedDocument) => ('errors' in checked ? checked.errors.map((e) => e.extensions) : []);

describe('checkDocument', () => {
  it('hands back the document of a valid operation', () => {
    const checked = sut('query A { me } query B { you }', 'B');

    expect('document' in checked && checked.document.definitions).toHaveLength(2);
  });

  it('codes each failure as Apollo codes it over HTTP, keeping the reason of a limit', () => {
    expect(extensionsOf(sut('{ me '))).toEqual([{ code: 'GRAPHQL_PARSE_FAILED' }]);
    expect(extensionsOf(sut('{ nope }'))).toEqual([{ code: 'GRAPHQL_VALIDATION_FAILED' }]);
    expect(extensionsOf(sut('{ node { child { id } } }'))).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', reason: 'QUERY_TOO_DEEP' },
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
