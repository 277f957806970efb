import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { EffectivePermissionsService } from '../access/effective-permissions.service';
import { RoleAssignmentsService } from '../access/role-assignments.service';
import type { SharedCache } from '../common/cache/shared-cache';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { canonicalId, isObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import type { PageArgs } from '../common/pagination/page.args';
import { paginate } from '../common/pagination/paginate';
import { AppConfig } from '../config/app-config';
import type { CreateProjectInput } from './dto/create-project.input';
import type { UpdateProjectInput } from './dto/update-project.input';
import { ProjectCreatedEvent } from './events/project-created.event';
import { ProjectDeletedEvent } from './events/project-deleted.event';
import { ProjectUpdatedEvent } from './events/project-updated.event';
import { Project } from './models/project.model';
import { ProjectException, ProjectExceptionReason } from './project.exception';
import { ProjectCountRecord } from './project-count.schema';
import { ProjectRecord } from './project.schema';
import { slugify } from './slug';

/**
 * Projects are read on almost every request (every resource hangs from one), so each process
 * keeps recent reads for up to 30 s; updates and deletions drop them everywhere at once.
 */
/** How long a project count must have been untouched before a refusal may repair it. */
const COUNT_REPAIR_AFTER_MS = 60_000;

@Injectable()
export class ProjectsService {
  /** Projects as clients see them: the model is immutable once built, so a hit is answered as it is. */
  private readonly cache: SharedCache<Project>;

  constructor(
    @InjectModel(ProjectRecord.name) private readonly projects: Model<ProjectRecord>,
    @InjectModel(ProjectCountRecord.name) private readonly counts: Model<ProjectCountRecord>,
    private readonly config: AppConfig,
    private readonly assignments: RoleAssignmentsService,
    private readonly permissions: EffectivePermissionsService,
    private readonly events: EventBus,
    caches: SharedCacheFactory,
  ) {
    this.cache = caches.create({ topic: 'project', maxEntries: 10_000, maxAgeMs: 30_000 });
  }

  async create(ctx: RequestContext, input: CreateProjectInput): Promise<Project> {
    const user = ctx.requireUser();
    const slug = input.slug ?? slugify(input.name);
    const ownerId = toObjectId(user.id);
    await this.takePlace(ownerId);
    let record: ProjectRecord;
    try {
      record = (
        await this.projects.create({
          name: input.name.trim(),
          slug,
          description: input.description?.trim() ?? '',
          ownerId,
        })
      ).toObject();
    } catch (error) {
      await this.releasePlace(ownerId);
      if (isDuplicateKeyError(error)) throw this.slugTaken(slug);
      throw error;
    }
    await this.assignments.assignOwner(ctx, record._id.toHexString());
    await this.events.publish(new ProjectCreatedEvent(record._id.toHexString(), user.id, record.name, record.slug));
    return Project.from(record);
  }

  /** Projects the caller can see, newest first. */
  async list(ctx: RequestContext, args: PageArgs): Promise<Connection<Project>> {
    const ids = await this.permissions.projectsOfCaller(ctx);
    return paginate(this.projects, { _id: { $in: ids } }, args, Project.from);
  }

  async get(id: string): Promise<Project> {
    const project = await this.cache.getOrLoad(`${id}:`, async () => {
      const found = await this.projects.findById(toObjectId(id)).lean<ProjectRecord>().exec();
      // Shared by every request that reads the project, so it must not change.
      return found ? { value: Object.freeze(Project.from(found)) } : null;
    });
    if (!project) throw this.notFound();
    return project;
  }

  /** The id of the project when it exists, for the access guard's lookups. */
  async exists(id: string): Promise<string | null> {
    return (await this.projects.exists({ _id: toObjectId(id) }).exec()) ? id : null;
  }

  async update(ctx: RequestContext, input: UpdateProjectInput): Promise<Project> {
    const set: Partial<ProjectRecord> = {};
    if (input.name !== undefined) set.name = input.name.trim();
    if (input.slug !== undefined) set.slug = input.slug;
    if (input.description !== undefined) set.description = input.description.trim();
    let record: ProjectRecord | null;
    try {
      record = await this.projects
        .findOneAndUpdate({ _id: toObjectId(input.id) }, { $set: set }, { returnDocument: 'after' })
        .lean<ProjectRecord>()
        .exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw this.slugTaken(input.slug ?? '');
      throw error;
    }
    if (!record) throw this.notFound();
    await this.cache.forget(`${input.id}:`);
    await this.events.publish(new ProjectUpdatedEvent(input.id, ctx.actorId, record.name, record.slug));
    return Project.from(record);
  }

  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    const record = await this.projects
      .findOneAndDelete({ _id: toObjectId(id) })
      .lean<ProjectRecord>()
      .exec();
    if (!record) throw this.notFound();
    await this.releasePlace(record.ownerId);
    await this.cache.forget(`${id}:`);
    await this.events.publish(new ProjectDeletedEvent(id, ctx.actorId, record.name, record.slug));
    return true;
  }

  /**
   * Takes one of the owner's PROJECTS_PER_USER places, or refuses. Places are counted in one
   * document per owner and taken only by an update that matches while a place is left, so
   * concurrent creations never take more places than there are.
   */
  private async takePlace(ownerId: Types.ObjectId): Promise<void> {
    const limit = this.config.PROJECTS_PER_USER;
    const take = async () =>
      (await this.counts
        .findOneAndUpdate(
          { _id: ownerId, owned: { $lt: limit } },
          { $inc: { owned: 1 }, $set: { changedAt: new Date() } },
        )
        .lean()
        .exec()) !== null;
    if (await take()) return;
    if (!(await this.counts.exists({ _id: ownerId }).exec())) {
      // The owner's first creation since projects were counted: start from what they own already.
      const owned = await this.projects.countDocuments({ ownerId }).exec();
      try {
        await this.counts.create({ _id: ownerId, owned });
      } catch (error) {
        // Another creation started the count first; take a place from it.
        if (!isDuplicateKeyError(error)) throw error;
      }
      if (await take()) return;
    } else if ((await this.repairCount(ownerId)) && (await take())) {
      return;
    }
    throw new ProjectException(
      ProjectExceptionReason.PROJECT_LIMIT_REACHED,
      `One account may own ${limit} projects; delete one to make room for another`,
      { limit },
    );
  }

  /** Gives back a place taken for a project that was not created, or has been deleted. */
  private async releasePlace(ownerId: Types.ObjectId): Promise<void> {
    await this.counts
      .updateOne({ _id: ownerId, owned: { $gt: 0 } }, { $inc: { owned: -1 }, $set: { changedAt: new Date() } })
      .exec();
  }

  /**
   * Brings a count that is higher than what the owner owns back down: a place leaks when the
   * process dies between taking it and creating the project, or giving it back fails. Only a
   * count untouched for a minute is repaired, so creations still under way keep their places.
   */
  private async repairCount(ownerId: Types.ObjectId): Promise<boolean> {
    const count = await this.counts.findById(ownerId).lean().exec();
    if (!count) return false;
    const owned = await this.projects.countDocuments({ ownerId }).exec();
    if (owned >= count.owned) return false;
    const still = new Date(Date.now() - COUNT_REPAIR_AFTER_MS);
    const repaired = await this.counts
      .updateOne(
        { _id: ownerId, owned: count.owned, $or: [{ changedAt: { $lt: still } }, { changedAt: { $exists: false } }] },
        { $set: { owned, changedAt: new Date() } },
      )
      .exec();
    return repaired.modifiedCount === 1;
  }

  /**
   * The project an address names: its id, or its slug when exactly one project has that slug
   * (slugs are unique per owner, not across owners).
   */
  async idForAddress(address: string): Promise<string | null> {
    if (isObjectId(address)) return (await this.exists(address)) ? canonicalId(address) : null;
    const found = await this.projects.find({ slug: address }, { _id: 1 }).limit(2).lean<ProjectRecord[]>().exec();
    return found.length === 1 ? found[0]!._id.toHexString() : null;
  }

  private notFound(): ProjectException {
    return new ProjectException(ProjectExceptionReason.PROJECT_NOT_FOUND, 'No project has this id');
  }

  private slugTaken(slug: string): ProjectException {
    return new ProjectException(
      ProjectExceptionReason.PROJECT_SLUG_TAKEN,
      `You already have a project with the slug "${slug}"`,
      { slug },
    );
  }
}
