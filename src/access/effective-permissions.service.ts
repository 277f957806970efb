import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import type { SharedCache } from '../common/cache/shared-cache';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import type { RequestContext } from '../common/context/request-context';
import { activeAt, earliestEnd } from '../common/mongo/expiry';
import { canonicalId, toObjectId } from '../common/mongo/object-id';
import { PermissionGrantRecord } from './permission-grant.schema';
import { BUILT_IN_ROLE_PERMISSIONS, isBuiltInRole, type Permission } from './permissions';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RoleRecord } from './role.schema';
import { NO_PERMISSIONS, narrowToToken } from './token-limits';

export interface EffectivePermissions {
  permissions: ReadonlySet<Permission>;
  /** For each permission, what grants it (`role:<id>` or `grant:<id>`). */
  sources: ReadonlyMap<Permission, string[]>;
}

/**
 * Computes what a user may do in a project right now, from roles and direct grants. Results are
 * cached per process until the earliest expiry among them, at most 30 s, and dropped in every
 * process as soon as anything about the project's access changes (`invalidate`). Ids are
 * canonical here: they were normalized where they entered.
 */
@Injectable()
export class EffectivePermissionsService {
  private readonly cache: SharedCache<EffectivePermissions>;

  constructor(
    @InjectModel(RoleRecord.name) private readonly roles: Model<RoleRecord>,
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    @InjectModel(PermissionGrantRecord.name) private readonly grants: Model<PermissionGrantRecord>,
    caches: SharedCacheFactory,
  ) {
    this.cache = caches.create({ topic: 'access', maxEntries: 20_000, maxAgeMs: 30_000 });
  }

  async resolve(userId: string, projectId: string): Promise<EffectivePermissions> {
    return (await this.cache.getOrLoad(`${projectId}:${userId}`, () => this.compute(userId, projectId)))!;
  }

  /**
   * What the caller of a request may do in a project: the user's permissions, or, for an API
   * token, its owner's narrowed to the token's scopes and project. The guard, `AccessService`
   * and live streams all ask here, so a token can do no more than its scopes by any path.
   */
  async forCaller(ctx: RequestContext, projectId: string): Promise<EffectivePermissions> {
    const user = ctx.user;
    if (!user) return NO_PERMISSIONS;
    const token = ctx.token;
    if (token?.projectId !== undefined && token.projectId !== projectId) return NO_PERMISSIONS;
    const owner = await this.resolve(user.id, projectId);
    return token ? narrowToToken(owner, token, projectId) : owner;
  }

  /**
   * Ids of the projects the caller may list: the user's, or for an API token its owner's, only
   * the token's own project when it is restricted to one, and none when its scopes lack
   * `project:read`.
   */
  async projectsOfCaller(ctx: RequestContext): Promise<Types.ObjectId[]> {
    const ids = await this.projectsOf(ctx.requireUser().id);
    const token = ctx.token;
    if (!token) return ids;
    if (!token.scopes.includes('project:read')) return [];
    return token.projectId === undefined ? ids : ids.filter((id) => id.toHexString() === token.projectId);
  }

  /** Call after any change to a project's roles, assignments or grants, before answering. */
  invalidate(projectId: string): Promise<void> {
    return this.cache.forget(`${projectId}:`);
  }

  /**
   * Calls `listener` in every process whenever a project's access changed anywhere (after this
   * process dropped what it cached): with the project's id, or with nothing when every project's
   * access must be taken as changed (this process missed invalidations while Redis was cut).
   */
  onInvalidated(listener: (projectId: string | undefined) => void): void {
    this.cache.onForget((prefix) => {
      if (prefix === '') listener(undefined);
      else if (prefix.endsWith(':')) listener(prefix.slice(0, -1));
    });
  }

  /** Ids of the projects where the user holds any role or grant right now. */
  async projectsOf(userId: string): Promise<Types.ObjectId[]> {
    const scope = { userId: toObjectId(userId), ...activeAt(new Date()) };
    const [fromRoles, fromGrants] = await Promise.all([
      this.assignments.distinct('projectId', scope).exec(),
      this.grants.distinct('projectId', scope).exec(),
    ]);
    const unique = new Map<string, Types.ObjectId>();
    for (const id of [...fromRoles, ...fromGrants] as Types.ObjectId[]) unique.set(id.toHexString(), id);
    return [...unique.values()];
  }

  private async compute(
    userId: string,
    projectId: string,
  ): Promise<{ value: EffectivePermissions; validUntil: number }> {
    const scope = { projectId: toObjectId(projectId), userId: toObjectId(userId), ...activeAt(new Date()) };
    const [assignments, grants] = await Promise.all([
      this.assignments
        .find(scope)
        .select({ roleId: 1, expiresAt: 1 })
        .lean<Pick<RoleAssignmentRecord, 'roleId' | 'expiresAt'>[]>()
        .exec(),
      this.grants
        .find(scope)
        .select({ permission: 1, expiresAt: 1 })
        .lean<Pick<PermissionGrantRecord, '_id' | 'permission' | 'expiresAt'>[]>()
        .exec(),
    ]);
    const permissions = new Set<Permission>();
    const sources = new Map<Permission, string[]>();
    const add = (permission: Permission, source: string): void => {
      permissions.add(permission);
      sources.set(permission, [...(sources.get(permission) ?? []), source]);
    };
    const customIds: Types.ObjectId[] = [];
    for (const { roleId } of assignments) {
      if (isBuiltInRole(roleId)) {
        for (const p of BUILT_IN_ROLE_PERMISSIONS[roleId]) add(p, `role:${roleId}`);
      } else if (canonicalId(roleId)) {
        customIds.push(toObjectId(roleId));
      }
    }
    if (customIds.length > 0) {
      const custom = await this.roles
        .find({ _id: { $in: customIds }, projectId: toObjectId(projectId) })
        .select({ permissions: 1 })
        .lean<Pick<RoleRecord, '_id' | 'permissions'>[]>()
        .exec();
      for (const role of custom) {
        for (const p of role.permissions) add(p as Permission, `role:${role._id.toHexString()}`);
      }
    }
    for (const grant of grants) add(grant.permission as Permission, `grant:${grant._id.toHexString()}`);
    // The result holds only until the first of its rows expires.
    return { value: { permissions, sources }, validUntil: earliestEnd([...assignments, ...grants]) };
  }
}
