import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { Model, QueryFilter, Types } from 'mongoose';
import { UsersService } from '../../auth/users.service';
import type { DomainEvent } from '../../common/events/domain-event';
import { isDuplicateKeyError } from '../../common/mongo/mongo-errors';
import { canonicalId, toObjectId } from '../../common/mongo/object-id';
import type { Connection } from '../../common/pagination/connection';
import { paginate } from '../../common/pagination/paginate';
import { PUB_SUB } from '../../common/pubsub/pubsub.token';
import { AppConfig } from '../../config/app-config';
import { describeEvent } from './activity-description';
import { ActivityEntryRecord } from './activity-entry.schema';
import { ActivityException, ActivityExceptionReason } from './activity.exception';
import type { ActivityArgs } from './dto/activity.args';
import { ActivityEntry, type ActivityMessage } from './models/activity-entry.model';

/** The PubSub trigger each stored entry of a project is published on, for `activityAdded`. */
export const activityTrigger = (projectId: string): string => `activity:${projectId}`;

/** Keys whose values an entry never keeps, whatever an event carries (ids of such things are fine). */
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie|signature/i;
const ID_KEY = /Ids?$/;
const MAX_DEPTH = 6;
const MAX_ITEMS = 50;
const MAX_STRING = 1_000;

/** A copy of an event's payload fit to keep: JSON values only, secret-looking values replaced, sizes bounded. */
export function storablePayload(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'object' || depth >= MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => storablePayload(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS)) {
    // Keys starting with `$` or holding dots cannot be stored as they are.
    const safeKey = key.replace(/^\$/, '_').replace(/\./g, '_');
    out[safeKey] = SECRET_KEY.test(key) && !ID_KEY.test(key) ? '[REDACTED]' : storablePayload(item, depth + 1);
  }
  return out;
}

/**
 * A project's activity feed: every domain event of the project, stored as an entry (by
 * `ActivityWriterService`, the one writer) and published to `activityAdded` subscribers.
 */
@Injectable()
export class ActivityService {
  constructor(
    @InjectModel(ActivityEntryRecord.name) private readonly entries: Model<ActivityEntryRecord>,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stores the event as the entry `id`. Storing the same id again (a retry of a write whose answer
   * was lost) gives the entry stored the first time.
   */
  async store(id: Types.ObjectId, event: DomainEvent): Promise<ActivityMessage> {
    const projectId = event.projectId!;
    const payload = storablePayload(event.payload()) as Record<string, unknown>;
    const { verb, object } = describeEvent(event.name, payload, projectId);
    const actorId = event.actorId ?? null;
    const userId = actorId === null ? undefined : canonicalId(actorId);
    const actor = userId ? await this.users.findById(userId) : null;
    const occurredAt = new Date(event.occurredAt);
    let record: ActivityEntryRecord;
    try {
      record = (
        await this.entries.create({
          _id: id,
          projectId: toObjectId(projectId),
          actorId,
          actorEmail: actor?.email ?? null,
          actorName: actor?.name ?? null,
          verb,
          objectType: object.type,
          objectId: object.id,
          objectName: object.name,
          event: event.name,
          occurredAt,
          payload,
          expiresAt: new Date(occurredAt.getTime() + this.config.activityRetentionMs),
        })
      ).toObject();
    } catch (error) {
      const stored = isDuplicateKeyError(error)
        ? await this.entries.findById(id).lean<ActivityEntryRecord>().exec()
        : null;
      if (!stored) throw error;
      record = stored;
    }
    const entry = ActivityEntry.from(record);
    return { ...entry, object: { ...entry.object }, occurredAt: occurredAt.toISOString() };
  }

  /** Publishes a stored entry to the project's `activityAdded` subscribers, in every process. */
  async announce(message: ActivityMessage): Promise<void> {
    await this.pubSub.publish(activityTrigger(message.projectId), message);
  }

  /** The project's entries, newest first, narrowed by the filter, without those of `hiddenTypes`. */
  async list(args: ActivityArgs, hiddenTypes: readonly string[] = []): Promise<Connection<ActivityEntry>> {
    const { filter } = args;
    if (filter?.from && filter.to && filter.from > filter.to) {
      throw new ActivityException(
        ActivityExceptionReason.INVALID_TIME_RANGE,
        'filter.from must not be after filter.to',
      );
    }
    const query: QueryFilter<ActivityEntryRecord> = {
      projectId: toObjectId(args.projectId),
      // MongoDB removes ended entries within about a minute; until then they are hidden.
      expiresAt: { $gt: new Date() },
      ...(filter?.types?.length || hiddenTypes.length > 0
        ? {
            objectType: {
              ...(filter?.types?.length ? { $in: filter.types } : {}),
              ...(hiddenTypes.length > 0 ? { $nin: [...hiddenTypes] } : {}),
            },
          }
        : {}),
      ...(filter?.verbs?.length ? { verb: { $in: filter.verbs } } : {}),
      ...(filter?.actorId ? { actorId: filter.actorId } : {}),
      ...(filter?.from || filter?.to
        ? {
            occurredAt: {
              ...(filter.from ? { $gte: filter.from } : {}),
              ...(filter.to ? { $lt: filter.to } : {}),
            },
          }
        : {}),
    };
    return paginate(this.entries, query, args, (record) => ActivityEntry.from(record));
  }

  /** When each of these users last did something in the project, as far as the feed remembers. */
  async lastActiveOf(projectId: string, userIds: readonly string[]): Promise<Map<string, Date>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.entries
      .aggregate<{ _id: string; at: Date }>([
        { $match: { projectId: toObjectId(projectId), actorId: { $in: [...userIds] } } },
        { $group: { _id: '$actorId', at: { $max: '$occurredAt' } } },
      ])
      .exec();
    return new Map(rows.map((row) => [row._id, row.at]));
  }

  /** A deleted project's feed goes with it. */
  async forgetProject(projectId: string): Promise<void> {
    await this.entries.deleteMany({ projectId: toObjectId(projectId) }).exec();
  }
}
