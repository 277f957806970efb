import { getConnectionToken } from '@nestjs/mongoose';
import mongoose, { Types, type Connection } from 'mongoose';
import {
  assignRole,
  createApiToken,
  createProject,
  createRole,
  registerUser,
  type TestUser,
} from './support/factories';
import { codeOf, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import {
  ME,
  operations,
  subscribeProjectEvents,
  unchecked,
  type ApiTokenSecret,
  type AuditLog,
  type Operations,
  type Project,
} from './support/operations';
import { checksumOf } from '../src/tokens/api-token-format';
import { startTestApp, type TestApp } from './support/test-app';
import { firstWhileTriggering, modernClient, runOverWebSocket } from './support/ws-clients';

/**
 * API tokens over real HTTP and WebSocket: a token acts for its owner with no more than its
 * scopes, loses what its owner loses, stops when revoked, expired or rotated out, and a mistyped
 * one is refused by its checksum without a database read.
 */

const unknownId = (): string => new Types.ObjectId().toHexString();
const codeOfStreamError = (error: unknown): unknown =>
  (Array.isArray(error) ? error[0] : error)?.extensions?.code ?? (error as { message?: string })?.message;
const reasonOfStreamError = (error: unknown): unknown => (Array.isArray(error) ? error[0] : error)?.extensions?.reason;

function expectRefused(response: GraphQLResponse<unknown>, code: string, reason?: string): void {
  expect(response.errors?.[0]?.extensions).toMatchObject({ code, ...(reason ? { reason } : {}) });
  expect(response.data ?? null).toBeNull();
}

describe('API tokens', () => {
  let api: TestApp;
  let ops: Operations;
  let db: mongoose.Connection;
  let owner: TestUser;
  let project: Project;
  let other: Project;

  const me = (secret: string) => ops.auth.me(secret);
  const rename = (secret: string, projectId = project.id) =>
    ops.projects.update(secret, { id: projectId, name: `Renamed ${Math.random().toString(36).slice(2, 8)}` });
  const tokensIn = async (projectId: string) =>
    (await db.collection('api_tokens').countDocuments({ projectId: new Types.ObjectId(projectId) })) as number;

  beforeAll(async () => {
    api = await startTestApp({ LIVE_STREAM_RECHECK_SECONDS: '1' });
    ops = operations(api.url);
    db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
    other = await createProject(api.url, owner.accessToken);
  });

  afterAll(async () => {
    await db?.close();
    await api?.close();
  });

  describe('creating and authenticating', () => {
    it('returns a checksummed secret once, stores only its hash, and authenticates as its owner', async () => {
      const created = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      expect(created.secret).toMatch(/^slw_[0-9A-Za-z]{36}$/);
      expect(created.token).toMatchObject({
        ownerId: owner.id,
        projectId: null,
        scopes: ['project:read'],
        status: 'ACTIVE',
        displayPrefix: created.secret.slice(0, 12),
      });

      const stored = await db.collection('api_tokens').findOne({ _id: new Types.ObjectId(created.token.id) });
      expect(JSON.stringify(stored)).not.toContain(created.secret);
      expect(JSON.stringify(stored)).not.toContain(created.secret.slice(12));

      expect(ok(await me(created.secret)).me.id).toBe(owner.id);
      expect(ok(await ops.projects.get(created.secret, { id: project.id })).project.id).toBe(project.id);

      const listed = JSON.stringify(ok(await ops.tokens.list(owner.accessToken)).apiTokens);
      expect(listed).toContain(created.token.id);
      expect(listed).not.toContain(created.secret);
    });

    it('refuses a mistyped token by its checksum without reading the database', async () => {
      const created = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      const connection = api.app.get<Connection>(getConnectionToken());
      const reads: string[] = [];
      const count = (op: { collectionName: string; method: string }): void => {
        if (op.collectionName === 'api_tokens') reads.push(op.method);
      };
      connection.on('operation-start', count);
      try {
        const last = created.secret.at(-1)!;
        const typo = created.secret.slice(0, -1) + (last === 'a' ? 'b' : 'a');
        const swapped =
          created.secret.slice(0, 10) + created.secret[11] + created.secret[10] + created.secret.slice(12);
        for (const mistyped of [typo, created.secret.slice(0, -1), swapped === created.secret ? typo : swapped]) {
          expectRefused(await me(mistyped), 'UNAUTHENTICATED', 'MALFORMED_TOKEN');
        }
        expect(reads).toEqual([]);

        // The counting is real: a well-formed secret no token has is looked up, and refused.
        const body = 'A'.repeat(30);
        expectRefused(await me(`slw_${body}${checksumOf(body)}`), 'UNAUTHENTICATED', 'INVALID_TOKEN');
        expect(reads.length).toBeGreaterThan(0);
      } finally {
        connection.off('operation-start', count);
      }
    });

    it('authenticates a WebSocket connection, and runs queries and subscriptions', async () => {
      const created = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read'],
      });
      const client = modernClient(api.wsUrl, created.secret, { lazy: false });
      const events = subscribeProjectEvents(client, { projectId: project.id });
      try {
        expect((await runOverWebSocket(client, ME)).data?.me?.id).toBe(owner.id);
        const seen = await firstWhileTriggering(events, () => rename(owner.accessToken));
        expect(seen?.projectEvents.name).toBe('project.updated');
      } finally {
        events.close();
        await client.dispose();
      }
    });
  });

  describe('a token does no more than its scopes', () => {
    it('is denied what its scopes lack, though its owner holds it', async () => {
      const { secret } = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      expect(ok(await ops.projects.get(secret, { id: project.id })).project.id).toBe(project.id);
      expectRefused(await rename(secret), 'FORBIDDEN', 'TOKEN_SCOPE_MISSING');
      expectRefused(await ops.access.roles(secret, { projectId: project.id }), 'FORBIDDEN', 'TOKEN_SCOPE_MISSING');
      // The owner still may.
      ok(await rename(owner.accessToken));
      const check = ok(
        await ops.access.checkPermission(secret, { projectId: project.id, permission: 'PROJECT_UPDATE' }),
      ).checkPermission;
      expect(check).toMatchObject({ userId: owner.id, allowed: false });
    });

    it('expands a resource wildcard, and acts where its scopes reach', async () => {
      const { secret } = await createApiToken(api.url, owner.accessToken, { scopes: ['project:*'] });
      ok(await rename(secret));
      ok(await rename(secret, other.id));
      expectRefused(await ops.access.roles(secret, { projectId: project.id }), 'FORBIDDEN', 'TOKEN_SCOPE_MISSING');
    });

    it('stays in its one project when restricted to one, and lists only it', async () => {
      const { secret } = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read', 'project:update'],
      });
      ok(await rename(secret));
      expectRefused(await ops.projects.get(secret, { id: other.id }), 'FORBIDDEN', 'TOKEN_PROJECT_MISMATCH');
      expectRefused(await rename(secret, other.id), 'FORBIDDEN', 'TOKEN_PROJECT_MISMATCH');
      const listed = ok(await ops.projects.list(secret)).projects.edges.map((e) => e.node.id);
      expect(listed).toEqual([project.id]);
      const all = ok(await ops.projects.list(owner.accessToken)).projects.edges.map((e) => e.node.id);
      expect(all).toEqual(expect.arrayContaining([project.id, other.id]));
    });

    it('cannot hand out more than its scopes through a service (roles it assigns)', async () => {
      const member = await registerUser(api.url);
      const { secret } = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read', 'role:read', 'role:assign'],
      });
      const viewer = await ops.access.assignRole(secret, {
        projectId: project.id,
        userId: member.id,
        roleId: 'viewer',
      });
      expectRefused(viewer, 'FORBIDDEN', 'PERMISSION_DENIED');
      const held = ok(
        await ops.access.checkPermission(owner.accessToken, {
          projectId: project.id,
          userId: member.id,
          permission: 'PROJECT_READ',
        }),
      ).checkPermission;
      expect(held.allowed).toBe(false);
    });

    it('may not run account-level mutations, but may run account queries', async () => {
      const { secret } = await createApiToken(api.url, owner.accessToken, { scopes: PERMISSION_SCOPES });
      expectRefused(await ops.projects.create(secret, { name: 'From a token' }), 'FORBIDDEN', 'USER_SIGN_IN_REQUIRED');
      expectRefused(
        await ops.tokens.create(secret, { name: 'minted', scopes: ['project:read'] }),
        'FORBIDDEN',
        'USER_SIGN_IN_REQUIRED',
      );
      expectRefused(await ops.auth.logout(secret), 'FORBIDDEN', 'USER_SIGN_IN_REQUIRED');
      expect(ok(await ops.access.permissions(secret)).permissions.length).toBeGreaterThan(0);
      expect(ok(await me(secret)).me.id).toBe(owner.id);
    });

    it('takes a change of scopes at once', async () => {
      const created = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read', 'project:update'],
      });
      ok(await rename(created.secret));
      const updated = ok(
        await ops.tokens.updateScopes(owner.accessToken, { id: created.token.id, scopes: ['project:read'] }),
      ).updateApiTokenScopes;
      expect(updated.scopes).toEqual(['project:read']);
      expectRefused(await rename(created.secret), 'FORBIDDEN', 'TOKEN_SCOPE_MISSING');
    });
  });

  describe('a token loses what its owner loses', () => {
    let admin: TestUser;
    let shared: Project;

    beforeEach(async () => {
      shared = await createProject(api.url, owner.accessToken);
      admin = await registerUser(api.url);
      await assignRole(api.url, owner.accessToken, { projectId: shared.id, userId: admin.id, roleId: 'admin' });
    });

    const removeAdmin = async () =>
      ok(await ops.access.removeRole(owner.accessToken, { projectId: shared.id, userId: admin.id, roleId: 'admin' }));

    it('over HTTP, once its owner is removed from the role that gave the rights', async () => {
      const { secret } = await createApiToken(api.url, admin.accessToken, {
        projectId: shared.id,
        scopes: ['project:read', 'project:update'],
      });
      ok(await rename(secret, shared.id));
      await removeAdmin();
      expectRefused(await rename(secret, shared.id), 'FORBIDDEN');
      expectRefused(await ops.projects.get(secret, { id: shared.id }), 'FORBIDDEN');
      expect(ok(await ops.projects.list(secret)).projects.edges).toEqual([]);
    });

    it('on an open subscription, which ends with FORBIDDEN', async () => {
      const { secret } = await createApiToken(api.url, admin.accessToken, {
        projectId: shared.id,
        scopes: ['project:read'],
      });
      const client = modernClient(api.wsUrl, secret);
      const events = subscribeProjectEvents(client, { projectId: shared.id });
      try {
        expect(await firstWhileTriggering(events, () => rename(owner.accessToken, shared.id))).toBeDefined();
        await removeAdmin();
        expect(codeOfStreamError(await events.error(10_000))).toBe('FORBIDDEN');
      } finally {
        events.close();
        await client.dispose();
      }
    });
  });

  describe('ending', () => {
    it('a revoked token fails at once with TOKEN_REVOKED, over HTTP and on an open WebSocket', async () => {
      const created = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read'],
      });
      const client = modernClient(api.wsUrl, created.secret, { lazy: false });
      const streaming = modernClient(api.wsUrl, created.secret);
      const events = subscribeProjectEvents(streaming, { projectId: project.id });
      try {
        expect((await runOverWebSocket(client, ME)).data?.me?.id).toBe(owner.id);
        expect(await firstWhileTriggering(events, () => rename(owner.accessToken))).toBeDefined();
        ok(await me(created.secret));

        const revoked = ok(await ops.tokens.revoke(owner.accessToken, { id: created.token.id })).revokeApiToken;
        expect(revoked).toMatchObject({ status: 'REVOKED', id: created.token.id });

        expectRefused(await me(created.secret), 'UNAUTHENTICATED', 'TOKEN_REVOKED');
        const after = await runOverWebSocket(client, ME);
        expect(after.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
        const ended = await events.error(10_000);
        expect(codeOfStreamError(ended)).toBe('UNAUTHENTICATED');
        expect(reasonOfStreamError(ended)).toBe('TOKEN_REVOKED');
        // Revoking again changes nothing.
        expect(ok(await ops.tokens.revoke(owner.accessToken, { id: created.token.id })).revokeApiToken.revokedAt).toBe(
          revoked.revokedAt,
        );
      } finally {
        events.close();
        await streaming.dispose();
        await client.dispose();
      }
    });

    it('an expired token fails with TOKEN_EXPIRED', async () => {
      const expiresAt = new Date(Date.now() + 2_000);
      const { secret, token } = await createApiToken(api.url, owner.accessToken, {
        scopes: ['project:read'],
        expiresAt: expiresAt.toISOString(),
      });
      expect(ok(await me(secret)).me.id).toBe(owner.id);
      const refused = await waitFor(
        async () => {
          const res = await me(secret);
          return codeOf(res) === 'UNAUTHENTICATED' ? res : undefined;
        },
        10_000,
        'the token to expire',
      );
      expect(reasonOf(refused)).toBe('TOKEN_EXPIRED');
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
      const listed = ok(await ops.tokens.list(owner.accessToken)).apiTokens.edges.find((e) => e.node.id === token.id);
      expect(listed?.node.status).toBe('EXPIRED');
    });

    it('a rotated secret keeps working through its grace period, then fails with TOKEN_ROTATED', async () => {
      const created = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      const rotated = ok(
        await ops.tokens.rotate(owner.accessToken, { id: created.token.id, gracePeriodSeconds: 3 }),
      ).rotateApiToken;
      const graceEnds = Date.parse(rotated.token.previousSecretValidUntil!);
      expect(rotated.secret).not.toBe(created.secret);
      expect(rotated.token).toMatchObject({ id: created.token.id, displayPrefix: rotated.secret.slice(0, 12) });
      expect(graceEnds).toBeGreaterThan(Date.now());

      expect(ok(await me(rotated.secret)).me.id).toBe(owner.id);
      const during = await me(created.secret);
      if (Date.now() < graceEnds) expect(ok(during).me.id).toBe(owner.id);

      const ended = await waitFor(
        async () => {
          const res = await me(created.secret);
          return codeOf(res) === 'UNAUTHENTICATED' ? res : undefined;
        },
        10_000,
        'the grace period to end',
      );
      expect(reasonOf(ended)).toBe('TOKEN_ROTATED');
      expect(Date.now()).toBeGreaterThanOrEqual(graceEnds);
      expect(ok(await me(rotated.secret)).me.id).toBe(owner.id);
    });

    it('a rotation without grace stops the old secret, and every earlier one, at once', async () => {
      const created = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      const first = ok(
        await ops.tokens.rotate(owner.accessToken, { id: created.token.id, gracePeriodSeconds: 3600 }),
      ).rotateApiToken;
      expect(ok(await me(created.secret)).me.id).toBe(owner.id);
      const second = ok(
        await ops.tokens.rotate(owner.accessToken, { id: created.token.id, gracePeriodSeconds: 0 }),
      ).rotateApiToken;
      expectRefused(await me(first.secret), 'UNAUTHENTICATED', 'TOKEN_ROTATED');
      expectRefused(await me(created.secret), 'UNAUTHENTICATED', 'TOKEN_ROTATED');
      expect(ok(await me(second.secret)).me.id).toBe(owner.id);
    });

    it('a secret replaced two rotations ago, its grace over, still fails with TOKEN_ROTATED', async () => {
      const created = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      const first = ok(
        await ops.tokens.rotate(owner.accessToken, { id: created.token.id, gracePeriodSeconds: 0 }),
      ).rotateApiToken;
      expectRefused(await me(created.secret), 'UNAUTHENTICATED', 'TOKEN_ROTATED');
      const second = ok(
        await ops.tokens.rotate(owner.accessToken, { id: created.token.id, gracePeriodSeconds: 0 }),
      ).rotateApiToken;
      expectRefused(await me(created.secret), 'UNAUTHENTICATED', 'TOKEN_ROTATED');
      expectRefused(await me(first.secret), 'UNAUTHENTICATED', 'TOKEN_ROTATED');
      expect(ok(await me(second.secret)).me.id).toBe(owner.id);
    });

    it('a deleted project revokes its tokens', async () => {
      const doomed = await createProject(api.url, owner.accessToken);
      const { secret } = await createApiToken(api.url, owner.accessToken, {
        projectId: doomed.id,
        scopes: ['project:read'],
      });
      ok(await ops.projects.delete(owner.accessToken, { id: doomed.id }));
      const refused = await waitFor(
        async () => {
          const res = await me(secret);
          return codeOf(res) === 'UNAUTHENTICATED' ? res : undefined;
        },
        10_000,
        'the project tokens to be revoked',
      );
      expect(reasonOf(refused)).toBe('TOKEN_REVOKED');
    });
  });

  describe('who manages a token', () => {
    it("keeps an account-wide token its owner's alone", async () => {
      const stranger = await registerUser(api.url);
      const { token, secret } = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      expectRefused(await ops.tokens.revoke(stranger.accessToken, { id: token.id }), 'NOT_FOUND', 'TOKEN_NOT_FOUND');
      expectRefused(
        await ops.tokens.rotate(stranger.accessToken, { id: token.id, gracePeriodSeconds: 0 }),
        'NOT_FOUND',
        'TOKEN_NOT_FOUND',
      );
      expectRefused(await ops.tokens.usage(stranger.accessToken, { id: token.id }), 'NOT_FOUND', 'TOKEN_NOT_FOUND');
      expect(JSON.stringify(ok(await ops.tokens.list(stranger.accessToken)).apiTokens)).not.toContain(token.id);
      ok(await me(secret));
    });

    it("lets a project's admins list and revoke its tokens, but not rotate another's", async () => {
      const admin = await registerUser(api.url);
      const viewer = await registerUser(api.url);
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: admin.id, roleId: 'admin' });
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
      const { token, secret } = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read'],
      });
      const listed = ok(await ops.tokens.list(admin.accessToken, { projectId: project.id })).apiTokens.edges;
      expect(listed.map((e) => e.node.id)).toContain(token.id);
      expectRefused(await ops.tokens.list(viewer.accessToken, { projectId: project.id }), 'FORBIDDEN');
      expectRefused(await ops.tokens.revoke(viewer.accessToken, { id: token.id }), 'NOT_FOUND', 'TOKEN_NOT_FOUND');
      expectRefused(
        await ops.tokens.rotate(admin.accessToken, { id: token.id, gracePeriodSeconds: 0 }),
        'FORBIDDEN',
        'NOT_TOKEN_OWNER',
      );
      expectRefused(
        await ops.tokens.updateScopes(admin.accessToken, { id: token.id, scopes: ['project:*'] }),
        'FORBIDDEN',
        'NOT_TOKEN_OWNER',
      );
      ok(await me(secret));
      expect(ok(await ops.tokens.revoke(admin.accessToken, { id: token.id })).revokeApiToken.status).toBe('REVOKED');
      expectRefused(await me(secret), 'UNAUTHENTICATED', 'TOKEN_REVOKED');
    });

    it('lets a custom role with token:delete but not token:read revoke, and one with token:read only not', async () => {
      const revoker = await registerUser(api.url);
      const reader = await registerUser(api.url);
      const deleting = await createRole(api.url, owner.accessToken, project.id, {
        permissions: ['PROJECT_READ', 'TOKEN_DELETE'],
      });
      const reading = await createRole(api.url, owner.accessToken, project.id, {
        permissions: ['PROJECT_READ', 'TOKEN_READ'],
      });
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: revoker.id, roleId: deleting.id });
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: reader.id, roleId: reading.id });
      const { token, secret } = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read'],
      });
      expectRefused(await ops.tokens.list(revoker.accessToken, { projectId: project.id }), 'FORBIDDEN');
      expectRefused(await ops.tokens.revoke(reader.accessToken, { id: token.id }), 'FORBIDDEN');
      ok(await me(secret));
      expect(ok(await ops.tokens.revoke(revoker.accessToken, { id: token.id })).revokeApiToken).toMatchObject({
        id: token.id,
        status: 'REVOKED',
      });
      expectRefused(await me(secret), 'UNAUTHENTICATED', 'TOKEN_REVOKED');
      expectRefused(await ops.tokens.revoke(revoker.accessToken, { id: unknownId() }), 'NOT_FOUND', 'TOKEN_NOT_FOUND');
    });

    it('refuses scopes above what the creator holds, and token:create to those without it', async () => {
      const limited = await registerUser(api.url);
      const role = await createRole(api.url, owner.accessToken, project.id, {
        permissions: ['PROJECT_READ', 'TOKEN_CREATE'],
      });
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: limited.id, roleId: role.id });
      const before = await tokensIn(project.id);
      expectRefused(
        await ops.tokens.create(limited.accessToken, {
          projectId: project.id,
          name: 'too much',
          scopes: ['project:read', 'project:delete'],
        }),
        'FORBIDDEN',
        'PERMISSION_DENIED',
      );
      const outsider = await registerUser(api.url);
      expectRefused(
        await ops.tokens.create(outsider.accessToken, { projectId: project.id, name: 'x', scopes: ['project:read'] }),
        'FORBIDDEN',
      );
      expect(await tokensIn(project.id)).toBe(before);
      const fine = await createApiToken(api.url, limited.accessToken, {
        projectId: project.id,
        scopes: ['project:read'],
      });
      expect(fine.token.ownerId).toBe(limited.id);
    });
  });

  describe('bad input', () => {
    let existing: ApiTokenSecret;

    beforeAll(async () => {
      existing = await createApiToken(api.url, owner.accessToken, { projectId: project.id, scopes: ['project:read'] });
    });

    it.each([
      ['an unknown scope', { scopes: ['project:read', 'build:fly'] }, 'UNKNOWN_SCOPE'],
      ['an unknown wildcard', { scopes: ['nothing:*'] }, 'UNKNOWN_SCOPE'],
      ['no scopes', { scopes: [] }, 'INVALID_INPUT'],
      ['a too-long scope', { scopes: ['x'.repeat(61)] }, 'INVALID_INPUT'],
      ['a too-long name', { name: 'n'.repeat(101) }, 'INVALID_INPUT'],
      ['a blank name', { name: '   ' }, 'INVALID_INPUT'],
      ['a past expiresAt', { expiresAt: new Date(Date.now() - 60_000).toISOString() }, 'EXPIRY_IN_PAST'],
      ['a bad project id', { projectId: 'not-an-id' }, 'INVALID_INPUT'],
    ])('createApiToken refuses %s with BAD_USER_INPUT', async (_what, change, reason) => {
      const before = await tokensIn(project.id);
      const input = { projectId: project.id, name: 'bad', scopes: ['project:read'], ...change };
      expectRefused(await ops.tokens.create(owner.accessToken, unchecked(input)), 'BAD_USER_INPUT', reason);
      expect(await tokensIn(project.id)).toBe(before);
    });

    it.each([
      ['a negative grace', -1],
      ['a grace over a week', 7 * 24 * 3600 + 1],
      ['a fractional grace', 1.5],
    ])('rotateApiToken refuses %s', async (_what, gracePeriodSeconds) => {
      const res = await ops.tokens.rotate(owner.accessToken, { id: existing.token.id, gracePeriodSeconds });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      ok(await me(existing.secret));
    });

    it('refuses bad and unknown ids on every operation that takes one', async () => {
      expectRefused(await ops.tokens.revoke(owner.accessToken, { id: 'nope' }), 'BAD_USER_INPUT', 'INVALID_INPUT');
      expectRefused(
        await ops.tokens.rotate(owner.accessToken, { id: 'nope', gracePeriodSeconds: 0 }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      );
      expectRefused(
        await ops.tokens.updateScopes(owner.accessToken, { id: 'nope', scopes: ['project:read'] }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      );
      expectRefused(await ops.tokens.usage(owner.accessToken, { id: 'nope' }), 'BAD_USER_INPUT', 'INVALID_INPUT');
      expectRefused(await ops.tokens.list(owner.accessToken, { projectId: 'nope' }), 'BAD_USER_INPUT', 'INVALID_INPUT');
      const missing = unknownId();
      expectRefused(await ops.tokens.revoke(owner.accessToken, { id: missing }), 'NOT_FOUND', 'TOKEN_NOT_FOUND');
      expectRefused(await ops.tokens.usage(owner.accessToken, { id: missing }), 'NOT_FOUND', 'TOKEN_NOT_FOUND');
    });

    it('refuses unknown scopes and bad day counts elsewhere too', async () => {
      expectRefused(
        await ops.tokens.updateScopes(owner.accessToken, { id: existing.token.id, scopes: ['project:reed'] }),
        'BAD_USER_INPUT',
        'UNKNOWN_SCOPE',
      );
      expectRefused(
        await ops.tokens.updateScopes(owner.accessToken, { id: existing.token.id, scopes: [] }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      );
      for (const days of [0, 91]) {
        expectRefused(
          await ops.tokens.usage(owner.accessToken, { id: existing.token.id, days }),
          'BAD_USER_INPUT',
          'INVALID_INPUT',
        );
      }
      const unchanged = ok(await ops.tokens.list(owner.accessToken, { projectId: project.id })).apiTokens.edges.find(
        (e) => e.node.id === existing.token.id,
      );
      expect(unchanged?.node.scopes).toEqual(['project:read']);
    });

    it('refuses to rotate or rescope a revoked token', async () => {
      const created = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      ok(await ops.tokens.revoke(owner.accessToken, { id: created.token.id }));
      expectRefused(
        await ops.tokens.rotate(owner.accessToken, { id: created.token.id, gracePeriodSeconds: 0 }),
        'CONFLICT',
        'TOKEN_INACTIVE',
      );
      expectRefused(
        await ops.tokens.updateScopes(owner.accessToken, { id: created.token.id, scopes: ['project:*'] }),
        'CONFLICT',
        'TOKEN_INACTIVE',
      );
    });
  });

  describe('audit and usage', () => {
    const entriesOf = async (projectId: string): Promise<AuditLog[]> =>
      ok(await ops.audit.logs(owner.accessToken, { projectId, first: 100 })).auditLogs.edges.map((e) => e.node);

    it('names the token as the actor and its owner beside it, and never records a secret', async () => {
      const created = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['project:read', 'project:update'],
      });
      const rotated = ok(
        await ops.tokens.rotate(owner.accessToken, { id: created.token.id, gracePeriodSeconds: 0 }),
      ).rotateApiToken;
      ok(await rename(rotated.secret));
      expectRefused(await ops.access.roles(rotated.secret, { projectId: project.id }), 'FORBIDDEN');

      const entries = await waitFor(
        async () => {
          const all = await entriesOf(project.id);
          const byToken = all.filter((e) => e.actorId === `token:${created.token.id}`);
          return byToken.length >= 2 && all.some((e) => e.operation === 'mutation.rotateApiToken') ? all : undefined;
        },
        5_000,
        'the entries of the token',
      );
      const byToken = entries.filter((e) => e.actorId === `token:${created.token.id}`);
      expect(byToken.find((e) => e.operation === 'mutation.updateProject')).toMatchObject({
        outcome: 'GRANTED',
        actorEmail: owner.email,
        actorUserId: owner.id,
        projectId: project.id,
      });
      expect(byToken.find((e) => e.operation === 'query.roles')).toMatchObject({
        outcome: 'DENIED',
        errorReason: 'TOKEN_SCOPE_MISSING',
        actorUserId: owner.id,
      });
      expect(entries.find((e) => e.operation === 'mutation.createApiToken')).toMatchObject({
        actorId: owner.id,
        actorUserId: owner.id,
        outcome: 'GRANTED',
      });
      const stored = JSON.stringify(await db.collection('audit_logs').find({}).toArray());
      for (const secret of [created.secret, rotated.secret]) {
        expect(stored).not.toContain(secret);
        expect(stored).not.toContain(secret.slice(12));
      }
    });

    it('counts each request per UTC day and remembers the last use', async () => {
      const { token, secret } = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      const before = ok(await ops.tokens.usage(owner.accessToken, { id: token.id, days: 7 })).apiTokenUsage;
      expect(before).toMatchObject({ tokenId: token.id, totalCount: 0, lastUsedAt: null });
      expect(before.days).toHaveLength(7);

      for (let i = 0; i < 3; i += 1) ok(await me(secret));
      expectRefused(await rename(secret), 'FORBIDDEN');
      const client = modernClient(api.wsUrl, secret, { lazy: false });
      try {
        for (let i = 0; i < 2; i += 1) expect((await runOverWebSocket(client, ME)).data?.me?.id).toBe(owner.id);
      } finally {
        await client.dispose();
      }

      const usage = ok(await ops.tokens.usage(owner.accessToken, { id: token.id, days: 7 })).apiTokenUsage;
      const today = new Date().toISOString().slice(0, 10);
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      // Counted on the day each request was made, which a run across midnight splits.
      const recent = usage.days.filter((d) => d.day === today || d.day === yesterday);
      expect(recent.reduce((sum, d) => sum + d.count, 0)).toBe(6);
      expect(usage.totalCount).toBe(6);
      expect(usage.days.at(-1)?.day).toBe(today);
      expect(usage.lastUsedIp).toContain('127.0.0.1');
      expect(Date.parse(usage.lastUsedAt!)).toBeGreaterThan(Date.parse(token.createdAt));
      const stored = await db
        .collection('api_token_usage')
        .find({ tokenId: new Types.ObjectId(token.id) })
        .toArray();
      expect(stored.reduce((sum, row) => sum + (row.count as number), 0)).toBe(6);
      // Each day's row is deleted by MongoDB 100 days after the day starts.
      for (const row of stored) {
        expect(row.expiresAt).toEqual(new Date(Date.parse(`${row.day as string}T00:00:00.000Z`) + 100 * 86_400_000));
      }
      const indexes = await db.collection('api_token_usage').indexes();
      expect(indexes.find((index) => index.key.expiresAt === 1)).toMatchObject({ expireAfterSeconds: 0 });
    });

    it('answers apiTokenUsage and apiTokens with what is stored when storing the latest uses fails', async () => {
      const { token, secret } = await createApiToken(api.url, owner.accessToken, { scopes: ['project:read'] });
      const usage = db.collection('api_token_usage');
      const tokenId = new Types.ObjectId(token.id);
      // One row per token at most, and this token has one for a long-gone day: storing its uses
      // of today fails on the unique index until both go.
      await usage.insertOne({ tokenId, day: '2000-01-01', count: 0 });
      await usage.createIndex({ tokenId: 1 }, { unique: true, name: 'one_row_per_token' });
      try {
        ok(await me(secret));
        const report = ok(await ops.tokens.usage(owner.accessToken, { id: token.id, days: 1 })).apiTokenUsage;
        expect(report).toMatchObject({ tokenId: token.id, totalCount: 0 });
        const listed = ok(await ops.tokens.list(owner.accessToken)).apiTokens.edges.map((e) => e.node.id);
        expect(listed).toContain(token.id);
        expect(await usage.countDocuments({ tokenId })).toBe(1);
      } finally {
        await usage.dropIndex('one_row_per_token');
        await usage.deleteMany({ tokenId, day: '2000-01-01' });
      }
      // The counts the failed writes kept are stored once writing works again.
      const stored = await waitFor(
        async () => {
          const report = ok(await ops.tokens.usage(owner.accessToken, { id: token.id, days: 2 })).apiTokenUsage;
          return report.totalCount === 1 ? report : undefined;
        },
        10_000,
        'the kept use to be stored',
      );
      expect(stored.lastUsedIp).toContain('127.0.0.1');
    });
  });
});

/** Every permission as a scope: a token that is limited only by its owner's rights. */
const PERMISSION_SCOPES = [
  'project:*',
  'member:*',
  'role:*',
  'audit:*',
  'build:*',
  'deployment:*',
  'function:*',
  'database:*',
  'token:*',
  'webhook:*',
  'env:*',
  'domain:*',
  'setting:*',
  'metric:*',
  'alert:*',
];
