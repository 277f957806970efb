import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import mongoose, { Types } from 'mongoose';
import { createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, type GraphQLResponse } from './support/graphql-client';
import { CREATE_ROLE, operations, PROJECTS, type Operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { LegacyClient, modernClient, RawWsClient, runOverWebSocket } from './support/ws-clients';

/**
 * Requests written to hurt the API: documents that are cheap to send and expensive to check or
 * run, lists of bad values, broken documents over WebSocket, and a burst of creations. Each must
 * be refused at once with a stable code and reason, over every transport, without stalling
 * anyone else and without an error in the server log.
 */

/**
 * Far from what the requests below cost without their limits (tens of seconds), with room for a
 * test machine busy with other files: answers take milliseconds when it is idle.
 */
const FAST_MS = 3_000;

/** The limits this file runs with, written out so that each test knows where the line is. */
const LIMITS = {
  GRAPHQL_MAX_DEPTH: 12,
  GRAPHQL_MAX_ALIASES: 15,
  GRAPHQL_MAX_TOKENS: 1_000,
  GRAPHQL_MAX_DIRECTIVES: 50,
  GRAPHQL_MAX_COST: 5_000,
  GRAPHQL_MAX_LIST_ITEMS: 200,
  PROJECTS_PER_USER: 5,
};

/** Fragments that each spread the next one twice: 2^levels spreads when expanded naively. */
const fragmentBomb = (levels: number): string => {
  const doubling = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return `query { ...F0 } ${doubling.join(' ')} fragment F${levels} on Query { __typename }`;
};

/** `count` aliases of `field`, in one query. */
const aliased = (count: number, field: string, variables = ''): string =>
  `query ${variables} { ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

/** An introspection query nested `levels` fields deep. */
const deepIntrospection = (levels: number): string =>
  `{ __type(name: "Query") { fields { type ${'{ ofType '.repeat(levels - 4)}{ name }${' }'.repeat(levels - 4)} } } }`;

type WsResult = { data?: unknown; errors?: GraphQLFormattedError[] };

describe('hostile requests', () => {
  let api: TestApp;
  let ops: Operations;
  let attacker: TestUser;
  let bystander: TestUser;
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

  /**
   * Runs `hostile` while another user lists their projects, a database-backed request: resolves
   * with the hostile result and how long each took.
   */
  const besideBystander = async <T>(hostile: () => Promise<T>) => {
    const started = Date.now();
    const attack = hostile().then((result) => ({ result, ms: Date.now() - started }));
    // Sent once the attack is on its way, so it waits behind it if the attack blocks the process.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const bystanderStarted = Date.now();
    const own = ok(await ops.projects.list(bystander.accessToken)).projects;
    const bystanderMs = Date.now() - bystanderStarted;
    expect(own.edges).toHaveLength(1);
    return { ...(await attack), bystanderMs };
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
    api = await startTestApp({
      ...Object.fromEntries(Object.entries(LIMITS).map(([key, value]) => [key, String(value)])),
      GRAPHQL_FIELD_SUGGESTIONS: 'false',
    });
    ops = operations(api.url);
    [attacker, bystander] = await Promise.all([registerUser(api.url), registerUser(api.url)]);
    await Promise.all([createProject(api.url, attacker.accessToken), createProject(api.url, bystander.accessToken)]);
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

  describe('documents that cost more to check than to send', () => {
    it('refuses fragments that each spread the next twice at once, over HTTP and WebSocket, without a token', async () => {
      const bomb = fragmentBomb(22);
      expect(bomb.length).toBeLessThan(1_024);

      for (const send of [() => post(bomb), () => overGraphqlWs(bomb), () => overLegacy(bomb)]) {
        const { result, ms, bystanderMs } = await besideBystander(send);
        // Each fragment is measured once; counted as if every spread were expanded, the document costs billions.
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY' });
        expect(ms).toBeLessThan(FAST_MS);
        expect(bystanderMs).toBeLessThan(FAST_MS);
      }
    });

    it('refuses an operation nested too deep with QUERY_TOO_DEEP on every transport', async () => {
      const deep = deepIntrospection(LIMITS.GRAPHQL_MAX_DEPTH + 1);
      expect(ok(await post(deepIntrospection(LIMITS.GRAPHQL_MAX_DEPTH)))).toBeDefined();

      for (const result of [await post(deep), await overGraphqlWs(deep), await overLegacy(deep)]) {
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' });
      }
    });
  });

  describe('one request asking for the work of many', () => {
    it('refuses a thousand aliases of a page of projects at once, while another user is served', async () => {
      const thousand = aliased(1_000, 'projects(first: 100) { totalCount edges { node { id name } } }');

      const { result, ms, bystanderMs } = await besideBystander(() => post(thousand, {}, attacker.accessToken));

      expect(result.status).toBe(400);
      expect(result.data).toBeUndefined();
      expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_TOKENS' });
      expect(ms).toBeLessThan(FAST_MS);
      expect(bystanderMs).toBeLessThan(FAST_MS);
    });

    it('refuses more aliases than allowed with TOO_MANY_ALIASES on every transport', async () => {
      const allowed = aliased(LIMITS.GRAPHQL_MAX_ALIASES, 'me { id }');
      const tooMany = aliased(LIMITS.GRAPHQL_MAX_ALIASES + 1, 'me { id }');

      expect(codeOf(await post(allowed))).toBe('UNAUTHENTICATED');
      const http = await post(tooMany, {}, attacker.accessToken);
      expect(http.status).toBe(400);
      for (const result of [http, await overGraphqlWs(tooMany), await overLegacy(tooMany)]) {
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ALIASES' });
      }
    });

    it('counts every page an operation asks for, whether its size is written out, a variable or left out', async () => {
      const pages = LIMITS.GRAPHQL_MAX_LIST_ITEMS / 100;
      const page = (first: string) => `projects${first} { edges { node { id } } }`;
      // A variable may hold the largest page size, so it counts as one.
      const fits = aliased(pages, page('(first: $first)'), '($first: Int!)');
      const literal = aliased(pages + 1, page('(first: 100)'));
      const variable = aliased(pages + 1, page('(first: $first)'), '($first: Int!)');
      // Twenty a page when left out.
      const omitted = aliased(LIMITS.GRAPHQL_MAX_LIST_ITEMS / 20 + 1, page(''));

      expect(ok(await post(fits, { first: 100 }, attacker.accessToken))).toBeDefined();
      for (const [query, variables] of [
        [literal, {}],
        [variable, { first: 1 }],
        [omitted, {}],
      ] as const) {
        const { result, ms, bystanderMs } = await besideBystander(() => post(query, variables, attacker.accessToken));
        expect(result.status).toBe(400);
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY' });
        expect(ms).toBeLessThan(FAST_MS);
        expect(bystanderMs).toBeLessThan(FAST_MS);
      }
      expect(refusal(await overGraphqlWs(variable, { first: 1 }))).toMatchObject({ reason: 'QUERY_TOO_COSTLY' });
      expect(refusal(await overLegacy(variable, { first: 1 }))).toMatchObject({ reason: 'QUERY_TOO_COSTLY' });
    });

    it('refuses a wide, deep selection over many pages with QUERY_TOO_COSTLY, though few items', async () => {
      const node = 'id name slug description ownerId createdAt updatedAt';
      const wide = aliased(
        12,
        `projects(first: 10) { totalCount edges { cursor node { ${node} } } pageInfo { hasNextPage endCursor } }`,
      );
      expect(12 * 10).toBeLessThan(LIMITS.GRAPHQL_MAX_LIST_ITEMS);

      const result = await post(wide, {}, attacker.accessToken);

      expect(result.status).toBe(400);
      expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY' });
    });

    it('refuses a document of too many tokens with TOO_MANY_TOKENS on every transport', async () => {
      const long = `{ me { ${'id '.repeat(LIMITS.GRAPHQL_MAX_TOKENS)}} }`;

      for (const result of [await post(long), await overGraphqlWs(long), await overLegacy(long)]) {
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_TOKENS' });
      }
    });

    it('refuses too many directives with TOO_MANY_DIRECTIVES on every transport', async () => {
      const directives = `{ ${'__typename @include(if: true) '.repeat(LIMITS.GRAPHQL_MAX_DIRECTIVES + 1)}}`;

      for (const result of [await post(directives), await overGraphqlWs(directives), await overLegacy(directives)]) {
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_DIRECTIVES' });
      }
    });

    it('does not suggest field names to a caller probing the schema', async () => {
      const probe = '{ projectz { id } }';

      for (const result of [await post(probe), await overGraphqlWs(probe), await overLegacy(probe)]) {
        expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
        expect(errorsOf(result)[0]?.message).not.toMatch(/projects|Did you mean/);
      }
    });

    it('bounds how many projects one user owns, even against a burst of creations', async () => {
      const owner = await registerUser(api.url);
      const limit = LIMITS.PROJECTS_PER_USER;

      const burst = await Promise.all(
        Array.from({ length: limit + 4 }, (_, i) => ops.projects.create(owner.accessToken, { name: `Burst ${i}` })),
      );

      const created = burst.filter((r) => !r.errors).map((r) => r.data!.createProject);
      const refused = burst.filter((r) => r.errors);
      expect(created).toHaveLength(limit);
      for (const r of refused) {
        expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PROJECT_LIMIT_REACHED' });
      }
      expect(ok(await ops.projects.list(owner.accessToken, { first: 100 })).projects.totalCount).toBe(limit);
      // Deleting one makes room for one.
      ok(await ops.projects.delete(owner.accessToken, { id: created[0]!.id }));
      ok(await ops.projects.create(owner.accessToken, { name: 'After a deletion' }));
      expect(codeOf(await ops.projects.create(owner.accessToken, { name: 'One too many' }))).toBe('FORBIDDEN');
    });

    it('gives back a place that leaked, once the count has been still for a minute', async () => {
      const owner = await registerUser(api.url);
      const limit = LIMITS.PROJECTS_PER_USER;
      for (let i = 0; i < limit - 1; i += 1) await createProject(api.url, owner.accessToken);
      // As a crash between taking a place and creating the project leaves it, a minute later.
      const db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
      try {
        await db
          .collection('project_counts')
          .updateOne(
            { _id: new Types.ObjectId(owner.id) },
            { $inc: { owned: 1 }, $set: { changedAt: new Date(Date.now() - 120_000) } },
          );
      } finally {
        await db.close();
      }

      ok(await ops.projects.create(owner.accessToken, { name: 'In the leaked place' }));
      expect(codeOf(await ops.projects.create(owner.accessToken, { name: 'One too many' }))).toBe('FORBIDDEN');
    });

    it('counts the projects a user owned before their projects were counted', async () => {
      const owner = await registerUser(api.url);
      const limit = LIMITS.PROJECTS_PER_USER;
      for (let i = 0; i < limit - 2; i += 1) await createProject(api.url, owner.accessToken);
      // As for an account whose projects were created before the limit existed.
      const db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
      try {
        await db.collection('project_counts').deleteOne({ _id: new Types.ObjectId(owner.id) });
      } finally {
        await db.close();
      }

      const burst = await Promise.all(
        Array.from({ length: 4 }, (_, i) => ops.projects.create(owner.accessToken, { name: `Later ${i}` })),
      );

      expect(burst.filter((r) => !r.errors)).toHaveLength(2);
      expect(ok(await ops.projects.list(owner.accessToken, { first: 100 })).projects.totalCount).toBe(limit);
    });
  });

  describe('input a client got wrong, in bulk', () => {
    const input = (permissions: string[]) => ({ projectId: '0'.repeat(24), name: 'Bulk', permissions });
    const unknownNames = Array.from({ length: 51 }, (_, i) => `NOT_A_PERMISSION_${i}`);

    it('answers a list variable of more than fifty bad items with BAD_USER_INPUT only, and logs nothing', async () => {
      for (const result of [
        await post(CREATE_ROLE, { input: input(unknownNames) }),
        await overGraphqlWs(CREATE_ROLE, { input: input(unknownNames) }),
        await overLegacy(CREATE_ROLE, { input: input(unknownNames) }),
      ]) {
        expect(errorsOf(result).length).toBeGreaterThan(0);
        expect(new Set(errorsOf(result).map((e) => e.extensions?.code))).toEqual(new Set(['BAD_USER_INPUT']));
      }
      expect(unexpectedLogs()).toEqual([]);
    });

    it('refuses a list longer than the input allows before anything runs', async () => {
      const project = await createProject(api.url, attacker.accessToken);
      const repeated = Array.from({ length: 200 }, () => 'PROJECT_READ');

      const result = await post(
        CREATE_ROLE,
        { input: { ...input(repeated), projectId: project.id } },
        attacker.accessToken,
      );

      expect(refusal(result)).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(errorsOf(result)[0]?.message).toMatch(/permissions/);
    });
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
