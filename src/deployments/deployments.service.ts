import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Model, Types } from 'mongoose';
import { ExpiringCache } from '../common/cache/expiring-cache';
import type { SharedCache } from '../common/cache/shared-cache';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { isObjectId, newObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { AppConfig } from '../config/app-config';
import { copyTree, fileFor } from './deployment-files';
import { DeploymentException, DeploymentExceptionReason } from './deployment.exception';
import { DeploymentEnvironment, DeploymentRecord, ProductionAliasRecord } from './deployment.schema';
import type { DeploymentsArgs } from './dto/deployments.args';
import {
  DeploymentCreatedEvent,
  DeploymentPromotedEvent,
  DeploymentRolledBackEvent,
} from './events/deployment-lifecycle.event';
import { Deployment } from './models/deployment.model';

/** Earlier production deployments kept for rollbacks. */
const ROLLBACK_DEPTH = 20;

export interface NewDeployment {
  projectId: string;
  buildId: string;
  branch: string;
  commitSha: string | null;
  environment: DeploymentEnvironment;
  spaFallback: boolean;
}

/**
 * Deployments: what a successful build produced, copied into `STORAGE_DIR/deployments/<id>` and
 * never changed again; and, per project, which one is served in production. Promoting and rolling
 * back only move that pointer, so both are instant and need no rebuild.
 *
 * Serving production (`/p/…`, custom domains) reads the pointer on every request, so each process
 * keeps it for up to 30 s and every move drops it everywhere; a deployment's own settings never
 * change, so they are kept without invalidation.
 */
@Injectable()
export class DeploymentsService {
  /** `<projectId>:` → the production deployment's id, or '' when the project has none. */
  private readonly production: SharedCache<string>;
  /** Deployment id → whether it answers missing pages with its index.html. */
  private readonly spaFallbacks = new ExpiringCache<boolean>(10_000, 3_600_000);

  constructor(
    @InjectModel(DeploymentRecord.name) private readonly deployments: Model<DeploymentRecord>,
    @InjectModel(ProductionAliasRecord.name) private readonly aliases: Model<ProductionAliasRecord>,
    private readonly events: EventBus,
    private readonly config: AppConfig,
    caches: SharedCacheFactory,
  ) {
    this.production = caches.create({ topic: 'production-deployment', maxEntries: 10_000, maxAgeMs: 30_000 });
  }

  /** Stores a build's output as a new deployment; a production one is promoted at once. */
  async create(input: NewDeployment, outputDir: string): Promise<Deployment> {
    const id = newObjectId();
    const directory = this.directoryOf(id.toHexString());
    let copied;
    try {
      copied = copyTree(outputDir, directory);
    } catch (error) {
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
    const record = (
      await this.deployments.create({
        _id: id,
        projectId: toObjectId(input.projectId),
        buildId: toObjectId(input.buildId),
        environment: input.environment,
        branch: input.branch,
        commitSha: input.commitSha,
        spaFallback: input.spaFallback,
        ...copied,
      })
    ).toObject<DeploymentRecord>();
    await this.events.publish(
      new DeploymentCreatedEvent(input.projectId, undefined, id.toHexString(), input.environment),
    );
    if (input.environment === DeploymentEnvironment.PRODUCTION) await this.point(record, undefined);
    return Deployment.from(record, await this.productionId(input.projectId));
  }

  async promote(ctx: RequestContext, deploymentId: string): Promise<Deployment> {
    const record = await this.record(deploymentId);
    await this.point(record, ctx.actorId);
    return Deployment.from(record, deploymentId);
  }

  /** Serves the production deployment before the current one again. */
  async rollback(ctx: RequestContext, projectId: string): Promise<Deployment> {
    const alias = await this.aliases.findById(toObjectId(projectId)).lean<ProductionAliasRecord>().exec();
    const [target, ...rest] = alias?.previous ?? [];
    if (!alias || !target) {
      throw new DeploymentException(
        DeploymentExceptionReason.NOTHING_TO_ROLL_BACK_TO,
        'This project has no earlier production deployment to roll back to',
      );
    }
    const moved = await this.aliases
      .updateOne(
        { _id: alias._id, deploymentId: alias.deploymentId },
        { $set: { deploymentId: target, previous: rest } },
      )
      .exec();
    if (moved.modifiedCount !== 1) return this.rollback(ctx, projectId);
    await this.production.forget(`${projectId}:`);
    const record = await this.record(target.toHexString());
    await this.events.publish(
      new DeploymentRolledBackEvent(projectId, ctx.actorId, target.toHexString(), record.environment),
    );
    return Deployment.from(record, target.toHexString());
  }

  async get(id: string): Promise<Deployment> {
    const record = await this.record(id);
    return Deployment.from(record, await this.productionId(record.projectId.toHexString()));
  }

  async list(args: DeploymentsArgs): Promise<Connection<Deployment>> {
    const filter: Record<string, unknown> = { projectId: toObjectId(args.projectId) };
    if (args.environment) filter.environment = args.environment;
    const productionId = await this.productionId(args.projectId);
    return paginate(this.deployments, filter, args, (record) => Deployment.from(record, productionId));
  }

  async projectOf(deploymentId: string): Promise<string | null> {
    if (!isObjectId(deploymentId)) return null;
    const record = await this.deployments
      .findById(toObjectId(deploymentId), { projectId: 1 })
      .lean<DeploymentRecord>()
      .exec();
    return record ? record.projectId.toHexString() : null;
  }

  /** The file to answer `requestPath` with from a deployment, or undefined. */
  async fileOf(deploymentId: string, requestPath: string): Promise<string | undefined> {
    if (!isObjectId(deploymentId)) return undefined;
    let spaFallback = this.spaFallbacks.get(deploymentId);
    if (spaFallback === undefined) {
      const generation = this.spaFallbacks.generation();
      const record = await this.deployments
        .findById(toObjectId(deploymentId), { spaFallback: 1 })
        .lean<DeploymentRecord>()
        .exec();
      if (!record) return undefined;
      spaFallback = record.spaFallback;
      this.spaFallbacks.set(deploymentId, spaFallback, generation);
    }
    const root = this.directoryOf(deploymentId);
    const file = fileFor(root, requestPath);
    // A single-page app routes in the browser: a page path without a file answers with the app.
    const page = !path.posix.basename(requestPath).includes('.');
    return file ?? (spaFallback && page ? fileFor(root, 'index.html') : undefined);
  }

  /** The deployment a project serves in production now, if any. */
  async productionId(projectId: string): Promise<string | null> {
    if (!isObjectId(projectId)) return null;
    const id = await this.production.getOrLoad(`${projectId}:`, async () => {
      const alias = await this.aliases.findById(toObjectId(projectId)).lean<ProductionAliasRecord>().exec();
      return { value: alias?.deploymentId.toHexString() ?? '' };
    });
    return id || null;
  }

  private async point(record: DeploymentRecord, actorId: string | undefined): Promise<void> {
    const current = await this.aliases.findById(record.projectId).lean<ProductionAliasRecord>().exec();
    if (current?.deploymentId.equals(record._id)) return;
    const previous: Types.ObjectId[] = current
      ? [current.deploymentId, ...current.previous.filter((id) => !id.equals(record._id))].slice(0, ROLLBACK_DEPTH)
      : [];
    const filter = current ? { _id: record.projectId, deploymentId: current.deploymentId } : { _id: record.projectId };
    try {
      const moved = await this.aliases
        .updateOne(filter, { $set: { deploymentId: record._id, previous } }, { upsert: !current })
        .exec();
      if (moved.modifiedCount + moved.upsertedCount !== 1) return this.point(record, actorId);
    } catch (error) {
      // Two first promotions raced to create the alias: try again against the one that won.
      if ((error as { code?: number }).code === 11000) return this.point(record, actorId);
      throw error;
    }
    await this.production.forget(`${record.projectId.toHexString()}:`);
    await this.events.publish(
      new DeploymentPromotedEvent(
        record.projectId.toHexString(),
        actorId,
        record._id.toHexString(),
        record.environment,
      ),
    );
  }

  private async record(id: string): Promise<DeploymentRecord> {
    const record = await this.deployments.findById(toObjectId(id)).lean<DeploymentRecord>().exec();
    if (!record)
      throw new DeploymentException(DeploymentExceptionReason.DEPLOYMENT_NOT_FOUND, 'No deployment has this id');
    return record;
  }

  private directoryOf(deploymentId: string): string {
    return path.resolve(this.config.STORAGE_DIR, 'deployments', deploymentId);
  }
}
