import { startTestApp, type TestApp } from './support/test-app';

/**
 * What the GraphQL endpoint answers to a request body it cannot read: the same error envelope,
 * with a stable `extensions.code` and `reason`, as every other error a client gets.
 */
describe('request bodies the endpoint cannot read', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp();
  });

  afterAll(async () => {
    await api?.close();
  });

  const post = (body: string) =>
    fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('accepts a body just under the size limit (control for the case below)', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(90_000) } }));

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers an oversized body with 413 and a GraphQL error naming the reason', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(200_000) } }));

    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(/too large/i),
          extensions: { code: 'BAD_USER_INPUT', reason: 'PAYLOAD_TOO_LARGE' },
        },
      ],
    });
  });

  it('answers a body that is not JSON with 400 and a GraphQL error naming the reason', async () => {
    const res = await post('{"query": "{ __typename }"');

    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'BAD_USER_INPUT', reason: 'MALFORMED_REQUEST' } }],
    });
  });
});
