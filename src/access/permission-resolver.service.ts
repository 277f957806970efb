import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { ExpiringCache } from '../common/cache/expiring-cache';
import { InvalidationBus } from '../common/cache/invalidation-bus';
import { PermissionGrantRecord } from './permission-grant.schema';
import { BUILT_IN_ROLE_PERMISSIONS, isBuiltInRole, type Permission } from './permissions';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RoleRecord } from './role.schema';

export interface EffectivePermissions {
  permissions: Set<Permission>;
  /** For each permission, what grants it (`role:<id>` or `grant:<id>`). */
  sources: Map<Permission, string[]>;
}

/** Filter for rows whose access has not ended. */
export const activeAt = (now: Date): Record<string, unknown> => ({
  $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
});

/** How long a process trusts permissions it computed, at most; changes invalidate sooner. */
const CACHE_MAX_AGE_MS = 30_000;
const CACHE_MAX_ENTRIES = 20_000;
const INVALIDATION_TOPIC = 'access';

/**
 * Computes what a user may do in a project right now, from roles and direct grants. Results are
 * cached per process until the earliest expiry among them, at most 30 s, and dropped in every
 * process as soon as anything about the project's access changes (`invalidate`).
 */
@Injectable()
export class PermissionResolver implements OnModuleInit {
  private readonly cache = new ExpiringCache<EffectivePermissions>(CACHE_MAX_ENTRIES, CACHE_MAX_AGE_MS);

  constructor(
    @InjectModel(RoleRecord.name) private readonly roles: Model<RoleRecord>,
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    @InjectModel(PermissionGrantRecord.name) private readonly grants: Model<PermissionGrantRecord>,
    private readonly bus: InvalidationBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(INVALIDATION_TOPIC, (projectId) => this.cache.invalidate(`${projectId}:`));
  }

  async resolve(rawUserId: string, rawProjectId: string): Promise<EffectivePermissions> {
    // Ids are hex; one spelling keeps cache keys and invalidations aligned.
    const userId = rawUserId.toLowerCase();
    const projectId = rawProjectId.toLowerCase();
    const key = `${projectId}:${userId}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const generation = this.cache.generation();
    const { result, validUntil } = await this.compute(userId, projectId);
    this.cache.set(key, result, generation, validUntil);
    return result;
  }

  /** Call after any change to a project's roles, assignments or grants, before answering. */
  async invalidate(projectId: string): Promise<void> {
    this.cache.invalidate(`${projectId}:`);
    await this.bus.publish(INVALIDATION_TOPIC, projectId);
  }

  private async compute(
    userId: string,
    projectId: string,
  ): Promise<{ result: EffectivePermissions; validUntil: number }> {
    const now = new Date();
    const scope = { projectId: new Types.ObjectId(projectId), userId: new Types.ObjectId(userId), ...activeAt(now) };
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
    // The result holds only until the first of its rows expires.
    const validUntil = Math.min(
      Infinity,
      ...[...assignments, ...grants].map((row) => (row.expiresAt ? row.expiresAt.getTime() : Infinity)),
    );
    const result: EffectivePermissions = { permissions: new Set(), sources: new Map() };
    const add = (permission: Permission, source: string): void => {
      result.permissions.add(permission);
      result.sources.set(permission, [...(result.sources.get(permission) ?? []), source]);
    };
    const customIds: Types.ObjectId[] = [];
    for (const { roleId } of assignments) {
      if (isBuiltInRole(roleId)) {
        for (const p of BUILT_IN_ROLE_PERMISSIONS[roleId]) add(p, `role:${roleId}`);
      } else if (Types.ObjectId.isValid(roleId)) {
        customIds.push(new Types.ObjectId(roleId));
      }
    }
    if (customIds.length > 0) {
      const custom = await this.roles
        .find({ _id: { $in: customIds }, projectId: new Types.ObjectId(projectId) })
        .select({ permissions: 1 })
        .lean<Pick<RoleRecord, '_id' | 'permissions'>[]>()
        .exec();
      for (const role of custom) {
        for (const p of role.permissions) add(p as Permission, `role:${role._id.toHexString()}`);
      }
    }
    for (const grant of grants) add(grant.permission as Permission, `grant:${grant._id.toHexString()}`);
    return { result, validUntil };
  }

  /** Ids of the projects where the user holds any role or grant right now. */
  async projectsOf(userId: string): Promise<Types.ObjectId[]> {
    const scope = { userId: new Types.ObjectId(userId), ...activeAt(new Date()) };
    const [fromRoles, fromGrants] = await Promise.all([
      this.assignments.distinct('projectId', scope).exec(),
      this.grants.distinct('projectId', scope).exec(),
    ]);
    const unique = new Map<string, Types.ObjectId>();
    for (const id of [...fromRoles, ...fromGrants] as Types.ObjectId[]) unique.set(id.toHexString(), id);
    return [...unique.values()];
  }
}
