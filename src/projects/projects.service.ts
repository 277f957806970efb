import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { AccessService } from '../access/access.service';
import { PermissionResolver } from '../access/permission-resolver.service';
import { ExpiringCache } from '../common/cache/expiring-cache';
import { InvalidationBus } from '../common/cache/invalidation-bus';
import type { RequestContext } from '../common/context/request-context';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { EventBus } from '../common/events/event-bus';
import type { Connection } from '../common/pagination/connection';
import type { PageArgs } from '../common/pagination/page-args';
import { paginate } from '../common/pagination/paginate';
import type { CreateProjectInput } from './dto/create-project.input';
import type { UpdateProjectInput } from './dto/update-project.input';
import { ProjectCreatedEvent } from './events/project-created.event';
import { ProjectDeletedEvent } from './events/project-deleted.event';
import { ProjectUpdatedEvent } from './events/project-updated.event';
import { ProjectException, ProjectExceptionReason } from './project.exception';
import { Project, ProjectRecord } from './project.schema';
import { slugify } from './slug';

const CACHE_TOPIC = 'project';
const CACHE_ENTRIES = 10_000;
const CACHE_MAX_AGE_MS = 30_000;

/**
 * Projects are read on almost every request (every resource hangs from one), so each process
 * keeps recent reads for up to 30 s; updates and deletions drop them everywhere at once.
 */
@Injectable()
export class ProjectsService implements OnModuleInit {
  private readonly cache = new ExpiringCache<ProjectRecord>(CACHE_ENTRIES, CACHE_MAX_AGE_MS);

  constructor(
    @InjectModel(ProjectRecord.name) private readonly projects: Model<ProjectRecord>,
    private readonly access: AccessService,
    private readonly permissions: PermissionResolver,
    private readonly events: EventBus,
    private readonly bus: InvalidationBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(CACHE_TOPIC, (id) => this.cache.invalidate(id));
  }

  async create(ctx: RequestContext, input: CreateProjectInput): Promise<Project> {
    const user = ctx.requireUser();
    const slug = input.slug ?? slugify(input.name);
    let record: ProjectRecord;
    try {
      record = (
        await this.projects.create({
          name: input.name.trim(),
          slug,
          description: input.description?.trim() ?? '',
          ownerId: new Types.ObjectId(user.id),
        })
      ).toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw this.slugTaken(slug);
      throw error;
    }
    await this.access.assignOwner(ctx, record._id.toHexString());
    await this.events.publish(new ProjectCreatedEvent(record._id.toHexString(), user.id, record.name, record.slug));
    return Project.from(record);
  }

  /** Projects the caller can see, newest first. */
  async list(ctx: RequestContext, args: PageArgs): Promise<Connection<Project>> {
    const ids = await this.permissions.projectsOf(ctx.requireUser().id);
    return paginate(this.projects, { _id: { $in: ids } }, args, Project.from);
  }

  async get(id: string): Promise<Project> {
    const key = id.toLowerCase();
    const cached = this.cache.get(key);
    if (cached) return Project.from(cached);
    const generation = this.cache.generation();
    const record = await this.projects.findById(key).lean<ProjectRecord>().exec();
    if (!record) throw this.notFound();
    this.cache.set(key, record, generation);
    return Project.from(record);
  }

  async exists(id: string): Promise<string | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    return (await this.projects.exists({ _id: new Types.ObjectId(id) }).exec()) ? id : null;
  }

  async update(ctx: RequestContext, input: UpdateProjectInput): Promise<Project> {
    const set: Partial<ProjectRecord> = {};
    if (input.name !== undefined) set.name = input.name.trim();
    if (input.slug !== undefined) set.slug = input.slug;
    if (input.description !== undefined) set.description = input.description.trim();
    let record: ProjectRecord | null;
    try {
      record = await this.projects
        .findOneAndUpdate({ _id: new Types.ObjectId(input.id) }, { $set: set }, { returnDocument: 'after' })
        .lean<ProjectRecord>()
        .exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw this.slugTaken(input.slug ?? '');
      throw error;
    }
    if (!record) throw this.notFound();
    await this.forget(record._id.toHexString());
    // Events carry the canonical id: subscribers listen on it, whatever case the caller wrote.
    await this.events.publish(new ProjectUpdatedEvent(record._id.toHexString(), ctx.actorId, record.name, record.slug));
    return Project.from(record);
  }

  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    const record = await this.projects
      .findOneAndDelete({ _id: new Types.ObjectId(id) })
      .lean<ProjectRecord>()
      .exec();
    if (!record) throw this.notFound();
    await this.forget(record._id.toHexString());
    await this.events.publish(new ProjectDeletedEvent(record._id.toHexString(), ctx.actorId, record.name, record.slug));
    return true;
  }

  /** Drops a changed project from every process's cache before the change is answered. */
  private async forget(id: string): Promise<void> {
    this.cache.invalidate(id);
    await this.bus.publish(CACHE_TOPIC, id);
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
