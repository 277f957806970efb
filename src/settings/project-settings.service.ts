import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { EffectivePermissionsService } from '../access/effective-permissions.service';
import { RolesService } from '../access/roles.service';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import type { UpdateAutoscalingSettingsInput } from './dto/update-autoscaling-settings.input';
import type { UpdateDeploymentPreferencesInput } from './dto/update-deployment-preferences.input';
import type { UpdateFunctionDefaultsInput } from './dto/update-function-defaults.input';
import type { UpdateNotificationPreferencesInput } from './dto/update-notification-preferences.input';
import type { UpdateResourceLimitsInput } from './dto/update-resource-limits.input';
import { effectiveSettings } from './effective-settings';
import { SettingsUpdatedEvent } from './events/settings-updated.event';
import type { DeploymentPreferences } from './models/deployment-preferences.model';
import type { NotificationRule } from './models/notification-preferences.model';
import type { ProjectSettings } from './models/project-settings.model';
import type { ResourceLimits } from './models/resource-limits.model';
import { matchesEventPattern } from './notification-events';
import { platformBounds, type PlatformBounds } from './platform-bounds';
import {
  NotificationChannel,
  ProjectSettingsRecord,
  type NotificationRuleRecord,
  type SettingsGroup,
} from './project-settings.schema';
import {
  autoscalingChanges,
  deploymentChanges,
  functionDefaultsChanges,
  notificationRule,
  resourceLimitsChanges,
} from './settings-changes';
import { SettingsException, SettingsExceptionReason } from './settings.exception';

/** What one update stores: some fields of some groups. */
type Changes = { [G in SettingsGroup]?: NonNullable<ProjectSettingsRecord[G]> };

/** Who is to be told of an event, by the rules that match it. */
export interface NotificationTargets {
  /** Recipients of an email: the union over the matching rules with EMAIL; roles are resolved when sending. */
  email: { roles: string[]; userIds: string[]; emails: string[] };
  /** Whether a matching rule sends the event to the project's webhook endpoints. */
  webhook: boolean;
}

/** Times an update is computed again when another one changed the settings in between. */
const MAX_ATTEMPTS = 5;
/** Users all of a project's notification rules may name together, each checked to be a member. */
const MAX_NOTIFIED_USERS = 100;

/**
 * A project's settings: deployment preferences, function defaults, resource limits, autoscaling
 * and notification preferences, one document per project. Every update is checked against the
 * settings as they are when it is written (other groups included), stored only if nothing changed
 * them meanwhile, and announced as `settings.updated`.
 */
@Injectable()
export class ProjectSettingsService {
  private readonly bounds: PlatformBounds;

  constructor(
    @InjectModel(ProjectSettingsRecord.name) private readonly settings: Model<ProjectSettingsRecord>,
    private readonly roles: RolesService,
    private readonly permissions: EffectivePermissionsService,
    private readonly events: EventBus,
    config: AppConfig,
  ) {
    this.bounds = platformBounds(config);
  }

  async get(projectId: string): Promise<ProjectSettings> {
    return effectiveSettings(projectId, await this.stored(projectId), this.bounds);
  }

  /** The production branch, auto-deploy patterns and whether previews are made, for builds. */
  async deploymentPreferences(projectId: string): Promise<DeploymentPreferences> {
    return (await this.get(projectId)).deployment;
  }

  async resourceLimits(projectId: string): Promise<ResourceLimits> {
    return (await this.get(projectId)).limits;
  }

  updateDeploymentPreferences(ctx: RequestContext, input: UpdateDeploymentPreferencesInput): Promise<ProjectSettings> {
    return this.update(ctx, input.projectId, 'deployment', () => deploymentChanges(input));
  }

  updateFunctionDefaults(ctx: RequestContext, input: UpdateFunctionDefaultsInput): Promise<ProjectSettings> {
    return this.update(ctx, input.projectId, 'functions', (current) => functionDefaultsChanges(current, input));
  }

  updateResourceLimits(ctx: RequestContext, input: UpdateResourceLimitsInput): Promise<ProjectSettings> {
    return this.update(ctx, input.projectId, 'limits', (current) => resourceLimitsChanges(current, input, this.bounds));
  }

  updateAutoscalingSettings(ctx: RequestContext, input: UpdateAutoscalingSettingsInput): Promise<ProjectSettings> {
    return this.update(ctx, input.projectId, 'autoscaling', (current) =>
      autoscalingChanges(current, input, this.bounds),
    );
  }

  async updateNotificationPreferences(
    ctx: RequestContext,
    input: UpdateNotificationPreferencesInput,
  ): Promise<ProjectSettings> {
    const rules = input.rules?.map(notificationRule);
    if (rules) await this.checkRecipients(input.projectId, rules);
    return this.update(ctx, input.projectId, 'notifications', () => (rules ? { rules } : {}));
  }

  /** Who the project's notification rules say is to be told of `eventName` (`build.failed`, …), and how. */
  async recipientsFor(projectId: string, eventName: string): Promise<NotificationTargets> {
    const { rules } = (await this.get(projectId)).notifications;
    const matching = rules.filter((rule) => matchesEventPattern(rule.event, eventName));
    const emailed = matching.filter((rule) => rule.channels.includes(NotificationChannel.EMAIL));
    const union = (pick: (rule: NotificationRule) => string[]): string[] => [...new Set(emailed.flatMap(pick))];
    return {
      email: {
        roles: union((rule) => rule.recipients.roles),
        userIds: union((rule) => rule.recipients.userIds),
        emails: union((rule) => rule.recipients.emails),
      },
      webhook: matching.some((rule) => rule.channels.includes(NotificationChannel.WEBHOOK)),
    };
  }

  /**
   * Stores the deployment preferences and concurrency a project kept elsewhere before they moved
   * here, for the fields it has not set here: checked like any update (concurrency held to the
   * platform's bound), and not announced, since no one changed anything. Returns the fields stored.
   */
  async adopt(
    projectId: string,
    values: { productionBranch?: string; autoDeployBranches?: string[]; concurrentBuilds?: number },
  ): Promise<string[]> {
    const { changes } = await this.write(projectId, (_current, stored) => {
      const deployment = deploymentChanges({
        projectId,
        productionBranch: stored?.deployment?.productionBranch === undefined ? values.productionBranch : undefined,
        autoDeployBranches:
          stored?.deployment?.autoDeployBranches === undefined ? values.autoDeployBranches : undefined,
      });
      const concurrentBuilds =
        stored?.limits?.concurrentBuilds === undefined && values.concurrentBuilds !== undefined
          ? Math.max(1, Math.min(values.concurrentBuilds, this.bounds.maxConcurrentBuilds))
          : undefined;
      return { deployment, limits: concurrentBuilds === undefined ? {} : { concurrentBuilds } };
    });
    return Object.entries(changes).flatMap(([group, fields]) => Object.keys(fields).map((f) => `${group}.${f}`));
  }

  /** Removes a project's settings; a project created again with the same id would start from the defaults. */
  async forget(projectId: string): Promise<void> {
    await this.settings.deleteOne({ _id: toObjectId(projectId) }).exec();
  }

  private async update<G extends SettingsGroup>(
    ctx: RequestContext,
    projectId: string,
    group: G,
    change: (current: ProjectSettings) => NonNullable<ProjectSettingsRecord[G]>,
  ): Promise<ProjectSettings> {
    const { settings, changes } = await this.write(projectId, (current) => ({ [group]: change(current) }));
    const fields = Object.keys(changes[group] ?? {});
    if (fields.length > 0) {
      await this.events.publish(new SettingsUpdatedEvent(projectId, ctx.actorId, group, fields));
    }
    return settings;
  }

  /**
   * Computes the changes from the settings as stored, and stores them only if the document is
   * still at the revision they were computed from; otherwise computes them again. So a check that
   * involves another field (min <= max) or another group (defaults within limits) holds whatever
   * runs at the same time.
   */
  private async write(
    projectId: string,
    compute: (current: ProjectSettings, stored: ProjectSettingsRecord | null) => Changes,
  ): Promise<{ settings: ProjectSettings; changes: Changes }> {
    const _id = toObjectId(projectId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.stored(projectId);
      const changes = Object.fromEntries(
        Object.entries(compute(effectiveSettings(projectId, stored, this.bounds), stored)).filter(
          ([, fields]) => Object.keys(fields).length > 0,
        ),
      ) as Changes;
      if (Object.keys(changes).length === 0) {
        return { settings: effectiveSettings(projectId, stored, this.bounds), changes };
      }
      if (stored) {
        const set = Object.fromEntries(
          Object.entries(changes).flatMap(([group, fields]) =>
            Object.entries(fields).map(([field, value]) => [`${group}.${field}`, value]),
          ),
        );
        const written = await this.settings
          .updateOne({ _id, revision: stored.revision }, { $set: set, $inc: { revision: 1 } })
          .exec();
        if (written.matchedCount === 1) return { settings: await this.get(projectId), changes };
      } else {
        try {
          await this.settings.create({ _id, revision: 1, ...changes });
          return { settings: await this.get(projectId), changes };
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
    }
    throw new SettingsException(
      SettingsExceptionReason.CONCURRENT_UPDATE,
      "The project's settings kept changing while this update was checked; send it again",
    );
  }

  private stored(projectId: string): Promise<ProjectSettingsRecord | null> {
    return this.settings.findById(toObjectId(projectId)).lean<ProjectSettingsRecord>().exec();
  }

  /** Roles must be the project's, users members of it (they can read it). */
  private async checkRecipients(projectId: string, rules: NotificationRuleRecord[]): Promise<void> {
    const roleIds = [...new Set(rules.flatMap((rule) => rule.recipients.roles))];
    const found = await this.roles.getMany(projectId, roleIds);
    const unknownRole = roleIds.find((id) => !found.has(id));
    if (unknownRole !== undefined) {
      throw new SettingsException(SettingsExceptionReason.UNKNOWN_RECIPIENT, `The project has no role ${unknownRole}`);
    }
    const userIds = [...new Set(rules.flatMap((rule) => rule.recipients.userIds))];
    if (userIds.length > MAX_NOTIFIED_USERS) {
      throw new SettingsException(
        SettingsExceptionReason.OUT_OF_BOUNDS,
        `The rules name ${userIds.length} users; they may name at most ${MAX_NOTIFIED_USERS} (name roles instead)`,
      );
    }
    const members = await Promise.all(
      userIds.map(async (id) => (await this.permissions.resolve(id, projectId)).permissions.has('project:read')),
    );
    const outsider = userIds.find((_id, i) => !members[i]);
    if (outsider !== undefined) {
      throw new SettingsException(
        SettingsExceptionReason.UNKNOWN_RECIPIENT,
        `User ${outsider} is not a member of the project`,
      );
    }
  }
}
