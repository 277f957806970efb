import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { type GraphQLResponse } from './support/graphql-client';
import { PROJECTS } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { LegacyClient, modernClient, RawWsClient, runOverWebSocket } from './support/ws-clients';

/**
 * Requests written to hurt the API: broken documents over WebSocket. Each must be refused at once
 * with a stable code and reason, over every transport, without an error in the server log.
 */

type WsResult = { data?: unknown; errors?: GraphQLFormattedError[] };

describe('hostile requests', () => {
  let api: TestApp;
  let logged: jest.SpyInstance;

  /** Posts a document and fails the test instead of waiting when the server takes seconds to answer. */
  const post = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(10_000),
    });
    return { ...((await response.json()) as GraphQLResponse), status: response.status };
  };

  /** Runs one operation over a fresh graphql-ws connection without a token. */
  const overGraphqlWs = async (query: string, variables: Record<string, unknown> = {}): Promise<WsResult> => {
    const client = modernClient(api.wsUrl);
    try {
      return (await runOverWebSocket(client, query, variables)) as WsResult;
    } finally {
      await client.dispose();
    }
  };

  /** Runs one operation over a fresh legacy-protocol connection without a token. */
  const overLegacy = async (query: string, variables: Record<string, unknown> = {}): Promise<WsResult> => {
    const client = new LegacyClient(api.wsUrl);
    await client.opened;
    try {
      client.send({ type: 'connection_init', payload: {} });
      await client.expect(['connection_ack']);
      client.send({ id: '1', type: 'start', payload: { query, variables } });
      const message = await client.expect(['data', 'error']);
      return message.type === 'data'
        ? (message.payload as WsResult)
        : { errors: [message.payload as GraphQLFormattedError] };
    } finally {
      client.close();
    }
  };

  const errorsOf = (result: { errors?: readonly GraphQLFormattedError[] }) => result.errors ?? [];
  const refusal = (result: { errors?: readonly GraphQLFormattedError[] }) => errorsOf(result)[0]?.extensions;
  const unexpectedLogs = () => logged.mock.calls.filter(([message]) => String(message).startsWith('Unexpected error'));

  beforeAll(async () => {
    api = await startTestApp();
  });

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error');
  });

  afterEach(() => {
    logged.mockRestore();
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('broken documents over WebSocket', () => {
    it('answers a document that does not validate as over HTTP, on both protocols, and logs nothing', async () => {
      for (const result of [await post('{ nope }'), await overGraphqlWs('{ nope }'), await overLegacy('{ nope }')]) {
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
      }
      expect(unexpectedLogs()).toEqual([]);
    });

    it('answers bad variables over WebSocket as over HTTP', async () => {
      const query = PROJECTS;
      for (const result of [
        await post(query, { first: 'many' }),
        await overGraphqlWs(query, { first: 'many' }),
        await overLegacy(query, { first: 'many' }),
      ]) {
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT' });
      }
      expect(unexpectedLogs()).toEqual([]);
    });

    it('fails only the operation whose document does not parse, and keeps a graphql-ws socket open', async () => {
      const client = new RawWsClient(api.wsUrl, 'graphql-transport-ws');
      await client.opened;
      try {
        client.send({ type: 'connection_init', payload: {} });
        await client.expect(['connection_ack']);

        client.send({ id: 'broken', type: 'subscribe', payload: { query: '{ me { id ' } });
        const error = await client.expect(['error']);
        expect(error.id).toBe('broken');
        expect(error.payload[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' });

        client.send({ id: 'next', type: 'subscribe', payload: { query: '{ __typename }' } });
        const next = await client.expect(['next']);
        expect(next).toMatchObject({ id: 'next', payload: { data: { __typename: 'Query' } } });
        await client.expect(['complete']);
        expect(client.closeCode).toBeUndefined();
      } finally {
        client.close();
      }
      expect(unexpectedLogs()).toEqual([]);
    });

    it('fails only the operation whose document does not parse on the legacy protocol too', async () => {
      const client = new LegacyClient(api.wsUrl);
      await client.opened;
      try {
        client.send({ type: 'connection_init', payload: {} });
        await client.expect(['connection_ack']);

        client.send({ id: '1', type: 'start', payload: { query: '{ me { id ' } });
        const failed = await client.expect(['data', 'error']);
        const errors = (failed.type === 'data' ? failed.payload.errors : [failed.payload]) as GraphQLFormattedError[];
        expect(failed.id).toBe('1');
        expect(errors[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' });

        client.send({ id: '2', type: 'start', payload: { query: '{ __typename }' } });
        const data = await client.expect(['data']);
        expect(data).toMatchObject({ id: '2', payload: { data: { __typename: 'Query' } } });
        expect(client.closeCode).toBeUndefined();
      } finally {
        client.close();
      }
      expect(unexpectedLogs()).toEqual([]);
    });
  });
});
