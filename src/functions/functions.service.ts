import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { createHash } from 'node:crypto';
import { parseExpression } from 'cron-parser';
import type { Model, Types } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EncryptionService } from '../common/crypto/encryption.service';
import { EventBus } from '../common/events/event-bus';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import type { PageArgs } from '../common/pagination/page.args';
import { paginate } from '../common/pagination/paginate';
import { AppConfig } from '../config/app-config';
import { ProjectSettingsService } from '../settings/project-settings.service';
import type { CreateFunctionInput } from './dto/create-function.input';
import type { FunctionFileInput } from './dto/function-file.input';
import type { FunctionSettingsInput } from './dto/function-settings.input';
import type { UpdateFunctionCodeInput } from './dto/update-function-code.input';
import type { UpdateFunctionInput } from './dto/update-function.input';
import {
  FunctionCreatedEvent,
  FunctionDeletedEvent,
  FunctionDeployedEvent,
  FunctionUpdatedEvent,
} from './events/function-lifecycle.event';
import { FunctionException, FunctionExceptionReason } from './function.exception';
import { FunctionRecord, type FunctionScheduleRecord } from './function.schema';
import { FunctionRuntimesService } from './function-runtimes.service';
import { FunctionVersionRecord } from './function-version.schema';
import { ServerlessFunction } from './models/function.model';
import { FunctionVersion } from './models/function-version.model';

const ENV_PURPOSE = 'functions.env';
const VERSION_CACHE_SIZE = 500;

/** Event patterns a function may not listen to: its own invocations would invoke it again, forever. */
const LOOPING_EVENTS = ['function.invoked', 'function.failed'];
const EVENT_PATTERN = /^[a-z][a-z_]*(\.[a-z_]+)*(\.\*)?$/;

/**
 * Functions and their versions: settings, code (immutable versions named by their content hash),
 * which version is live, and going back to an earlier one. Invocations are FunctionInvokerService's.
 */
@Injectable()
export class FunctionsService {
  /** Versions never change: each is read from the database once per process (up to a bound). */
  private readonly versionCache = new Map<string, FunctionVersionRecord>();

  constructor(
    @InjectModel(FunctionRecord.name) private readonly functions: Model<FunctionRecord>,
    @InjectModel(FunctionVersionRecord.name) private readonly versions: Model<FunctionVersionRecord>,
    private readonly runtimes: FunctionRuntimesService,
    private readonly projectSettings: ProjectSettingsService,
    private readonly encryption: EncryptionService,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {
    encryption.register({ name: 'functions.env', model: functions, field: 'envCiphertext', purpose: ENV_PURPOSE });
  }

  async create(ctx: RequestContext, input: CreateFunctionInput): Promise<ServerlessFunction> {
    const settings = await this.projectSettings.get(input.projectId);
    const runtime = this.runtimes.require(input.runtime ?? settings.functions.runtime);
    const handler = checkHandler(input.handler ?? this.runtimes.defaultHandler(runtime));
    const files = this.checkFiles(input.files);
    const hash = versionHash(runtime.id, handler, files);
    await this.runtimes.check({ hash, runtime: runtime.id, files });
    const fields = await this.settingsFields(input.projectId, input, {
      timeoutSeconds: settings.functions.timeoutSeconds,
      memoryMb: settings.functions.memoryMb,
    });
    let record: FunctionRecord;
    try {
      record = (
        await this.functions.create({
          projectId: toObjectId(input.projectId),
          name: input.name,
          createdBy: ctx.actorId ?? null,
          latestVersion: 1,
          ...fields,
        })
      ).toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw nameTaken(input.name);
      throw error;
    }
    const version = await this.versions.create({
      functionId: record._id,
      projectId: record.projectId,
      number: 1,
      hash,
      runtime: runtime.id,
      handler,
      files,
      sizeBytes: sizeOf(files),
      createdBy: ctx.actorId ?? null,
    });
    const deployed = await this.functions
      .findByIdAndUpdate(
        record._id,
        { $set: { activeVersionId: version._id }, $push: { deployHistory: version._id } },
        { returnDocument: 'after' },
      )
      .lean<FunctionRecord>()
      .exec();
    const id = record._id.toHexString();
    await this.events.publish(new FunctionCreatedEvent(input.projectId, ctx.actorId, id, record.name));
    await this.events.publish(
      new FunctionDeployedEvent(input.projectId, ctx.actorId, id, record.name, version._id.toHexString(), 1, false),
    );
    return this.view(deployed ?? record);
  }

  async update(ctx: RequestContext, input: UpdateFunctionInput): Promise<ServerlessFunction> {
    const current = await this.record(input.functionId);
    const fields = await this.settingsFields(current.projectId.toHexString(), input, null);
    if (input.name !== undefined) Object.assign(fields, { name: input.name });
    let updated: FunctionRecord | null;
    try {
      updated = await this.functions
        .findByIdAndUpdate(current._id, { $set: fields, $inc: { revision: 1 } }, { returnDocument: 'after' })
        .lean<FunctionRecord>()
        .exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw nameTaken(input.name ?? current.name);
      throw error;
    }
    if (!updated) throw notFound();
    await this.runtimes.changed(input.functionId);
    await this.events.publish(
      new FunctionUpdatedEvent(updated.projectId.toHexString(), ctx.actorId, input.functionId, updated.name),
    );
    return this.view(updated);
  }

  async toggle(ctx: RequestContext, functionId: string, enabled: boolean): Promise<ServerlessFunction> {
    const updated = await this.functions
      .findByIdAndUpdate(
        toObjectId(functionId),
        { $set: { enabled }, $inc: { revision: 1 } },
        { returnDocument: 'after' },
      )
      .lean<FunctionRecord>()
      .exec();
    if (!updated) throw notFound();
    await this.runtimes.changed(functionId);
    await this.events.publish(
      new FunctionUpdatedEvent(updated.projectId.toHexString(), ctx.actorId, functionId, updated.name),
    );
    return this.view(updated);
  }

  async delete(ctx: RequestContext, functionId: string): Promise<ServerlessFunction> {
    const record = await this.record(functionId);
    const view = await this.view(record);
    await this.functions.deleteOne({ _id: record._id }).exec();
    await this.versions.deleteMany({ functionId: record._id }).exec();
    await this.runtimes.changed(functionId);
    await this.events.publish(
      new FunctionDeletedEvent(record.projectId.toHexString(), ctx.actorId, functionId, record.name),
    );
    return view;
  }

  /** Removes every function of a project (the project is being deleted); says which went. */
  async forgetProject(projectId: string): Promise<string[]> {
    const ids = (
      await this.functions
        .find({ projectId: toObjectId(projectId) }, { _id: 1 })
        .lean()
        .exec()
    ).map((f) => f._id);
    await this.versions.deleteMany({ projectId: toObjectId(projectId) }).exec();
    await this.functions.deleteMany({ projectId: toObjectId(projectId) }).exec();
    for (const id of ids) await this.runtimes.changed(id.toHexString());
    return ids.map((id) => id.toHexString());
  }

  /**
   * A new immutable version of the code, unless the newest version has the same content (then that
   * one is returned, and deployed if asked); Go code is compiled now, so a build error is reported here.
   */
  async updateCode(ctx: RequestContext, input: UpdateFunctionCodeInput): Promise<FunctionVersion> {
    const current = await this.record(input.functionId);
    const latest = await this.versions
      .findOne({ functionId: current._id })
      .sort({ number: -1 })
      .lean<FunctionVersionRecord>()
      .exec();
    const runtime = this.runtimes.require(input.runtime ?? latest?.runtime ?? '');
    const handler = checkHandler(input.handler ?? latest?.handler ?? this.runtimes.defaultHandler(runtime));
    const files = this.checkFiles(input.files);
    const hash = versionHash(runtime.id, handler, files);
    let version: FunctionVersionRecord;
    if (latest && latest.hash === hash) {
      version = latest;
    } else {
      await this.runtimes.check({ hash, runtime: runtime.id, files });
      const numbered = await this.functions
        .findByIdAndUpdate(current._id, { $inc: { latestVersion: 1 } }, { returnDocument: 'after' })
        .lean<FunctionRecord>()
        .exec();
      if (!numbered) throw notFound();
      version = (
        await this.versions.create({
          functionId: current._id,
          projectId: current.projectId,
          number: numbered.latestVersion,
          hash,
          runtime: runtime.id,
          handler,
          files,
          sizeBytes: sizeOf(files),
          createdBy: ctx.actorId ?? null,
        })
      ).toObject();
    }
    let activeId = current.activeVersionId?.toHexString() ?? null;
    if (input.deploy && activeId !== version._id.toHexString()) {
      await this.activate(ctx, current, version, false);
      activeId = version._id.toHexString();
    }
    return FunctionVersion.from(version, activeId);
  }

  async deploy(ctx: RequestContext, functionId: string, versionId: string): Promise<ServerlessFunction> {
    const current = await this.record(functionId);
    const version = await this.versionOf(current, versionId);
    return this.view(await this.activate(ctx, current, version, false));
  }

  /**
   * Makes an earlier version live again: the one named, or the one live before the current one.
   * Going back takes the current version off the deploy history, so a second rollback goes further.
   */
  async rollback(ctx: RequestContext, functionId: string, versionId?: string): Promise<ServerlessFunction> {
    const current = await this.record(functionId);
    const history = current.deployHistory.map((id) => id.toHexString());
    const activeId = current.activeVersionId?.toHexString();
    let targetId = versionId;
    if (!targetId) {
      while (history.length && history[history.length - 1] === activeId) history.pop();
      targetId = history[history.length - 1];
      if (!targetId) {
        throw new FunctionException(
          FunctionExceptionReason.NOTHING_TO_ROLL_BACK,
          'No version was live before the current one; name one to deploy',
        );
      }
    }
    const version = await this.versionOf(current, targetId);
    return this.view(await this.activate(ctx, current, version, true, versionId ? undefined : history));
  }

  async list(projectId: string, page: PageArgs): Promise<Connection<ServerlessFunction>> {
    const connection = await paginate(this.functions, { projectId: toObjectId(projectId) }, page, (record) => record);
    const views = await Promise.all(connection.edges.map((edge) => this.view(edge.node)));
    return { ...connection, edges: connection.edges.map((edge, i) => ({ cursor: edge.cursor, node: views[i]! })) };
  }

  async get(functionId: string): Promise<ServerlessFunction> {
    return this.view(await this.record(functionId));
  }

  async versionsOf(functionId: string, page: PageArgs): Promise<Connection<FunctionVersion>> {
    const current = await this.record(functionId);
    const activeId = current.activeVersionId?.toHexString() ?? null;
    return paginate(this.versions, { functionId: current._id }, page, (record) =>
      FunctionVersion.from(record, activeId),
    );
  }

  async projectOf(functionId: string): Promise<string | null> {
    if (!isObjectId(functionId)) return null;
    const found = await this.functions.findById(functionId, { projectId: 1 }).lean<FunctionRecord>().exec();
    return found?.projectId.toHexString() ?? null;
  }

  async record(functionId: string): Promise<FunctionRecord> {
    const found = isObjectId(functionId)
      ? await this.functions.findById(functionId).lean<FunctionRecord>().exec()
      : null;
    if (!found) throw notFound();
    return found;
  }

  /** The function of a project by its name (HTTP triggers). */
  findByName(projectId: string, name: string): Promise<FunctionRecord | null> {
    return this.functions
      .findOne({ projectId: toObjectId(projectId), name })
      .lean<FunctionRecord>()
      .exec();
  }

  /** Enabled functions of a project listening to events (event triggers). */
  listening(projectId: string): Promise<FunctionRecord[]> {
    return this.functions
      .find({ projectId: toObjectId(projectId), enabled: true, 'eventTriggers.0': { $exists: true } })
      .lean<FunctionRecord[]>()
      .exec();
  }

  /** Enabled functions, the most recently changed first, up to `limit`. */
  enabledSample(limit: number): Promise<FunctionRecord[]> {
    return this.functions
      .find({ enabled: true }, { activeVersionId: 1, network: 1, memoryMb: 1 })
      .sort({ updatedAt: -1 })
      .limit(limit)
      .lean<FunctionRecord[]>()
      .exec();
  }

  /** Every function with a schedule (cron triggers). */
  scheduled(): Promise<FunctionRecord[]> {
    return this.functions
      .find({ 'schedules.0': { $exists: true } })
      .lean<FunctionRecord[]>()
      .exec();
  }

  async versionRecord(versionId: Types.ObjectId): Promise<FunctionVersionRecord> {
    const key = versionId.toHexString();
    const cached = this.versionCache.get(key);
    if (cached) return cached;
    const found = await this.versions.findById(versionId).lean<FunctionVersionRecord>().exec();
    if (!found) throw new FunctionException(FunctionExceptionReason.VERSION_NOT_FOUND, 'No such version');
    if (this.versionCache.size >= VERSION_CACHE_SIZE) this.versionCache.delete(this.versionCache.keys().next().value!);
    this.versionCache.set(key, found);
    return found;
  }

  /** The function's own variables, decrypted. */
  env(record: FunctionRecord): Record<string, string> {
    if (!record.envCiphertext) return {};
    return JSON.parse(this.encryption.decrypt(record.envCiphertext, ENV_PURPOSE)) as Record<string, string>;
  }

  /** Files of a test run: checked as a version's would be, and hashed, but stored nowhere. */
  testCode(runtimeId: string, handler: string | undefined, files: FunctionFileInput[]) {
    const runtime = this.runtimes.require(runtimeId);
    const checkedHandler = checkHandler(handler ?? this.runtimes.defaultHandler(runtime));
    const checked = this.checkFiles(files);
    return {
      runtime: runtime.id,
      handler: checkedHandler,
      files: checked,
      hash: versionHash(runtime.id, checkedHandler, checked),
    };
  }

  private async activate(
    ctx: RequestContext,
    current: FunctionRecord,
    version: FunctionVersionRecord,
    rollback: boolean,
    history?: string[],
  ): Promise<FunctionRecord> {
    const update = history
      ? { $set: { activeVersionId: version._id, deployHistory: history.map(toObjectId) }, $inc: { revision: 1 } }
      : { $set: { activeVersionId: version._id }, $push: { deployHistory: version._id }, $inc: { revision: 1 } };
    const updated = await this.functions
      .findByIdAndUpdate(current._id, update, { returnDocument: 'after' })
      .lean<FunctionRecord>()
      .exec();
    if (!updated) throw notFound();
    const functionId = current._id.toHexString();
    await this.runtimes.changed(functionId);
    await this.events.publish(
      new FunctionDeployedEvent(
        current.projectId.toHexString(),
        ctx.actorId,
        functionId,
        current.name,
        version._id.toHexString(),
        version.number,
        rollback,
      ),
    );
    return updated;
  }

  private async versionOf(current: FunctionRecord, versionId: string): Promise<FunctionVersionRecord> {
    const version = isObjectId(versionId)
      ? await this.versions
          .findOne({ _id: toObjectId(versionId), functionId: current._id })
          .lean<FunctionVersionRecord>()
          .exec()
      : null;
    if (!version)
      throw new FunctionException(FunctionExceptionReason.VERSION_NOT_FOUND, 'The function has no such version');
    return version;
  }

  private async view(record: FunctionRecord): Promise<ServerlessFunction> {
    const active = record.activeVersionId ? await this.versionRecord(record.activeVersionId).catch(() => null) : null;
    return ServerlessFunction.from(record, active);
  }

  private checkFiles(files: FunctionFileInput[]): Array<{ path: string; content: string }> {
    const seen = new Set<string>();
    for (const file of files) {
      if (seen.has(file.path)) {
        throw new FunctionException(FunctionExceptionReason.INVALID_FILES, `The file ${file.path} is given twice`);
      }
      seen.add(file.path);
    }
    for (const file of files) {
      const parts = file.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const directory = parts.slice(0, i).join('/');
        if (seen.has(directory)) {
          throw new FunctionException(
            FunctionExceptionReason.INVALID_FILES,
            `${directory} is given as a file and as the directory of ${file.path}`,
          );
        }
      }
    }
    const total = sizeOf(files);
    if (total > this.config.FUNCTION_MAX_CODE_BYTES) {
      throw new FunctionException(
        FunctionExceptionReason.CODE_TOO_LARGE,
        `The files come to ${total} bytes; a version may have at most ${this.config.FUNCTION_MAX_CODE_BYTES}`,
      );
    }
    return files
      .map((file) => ({ path: file.path, content: file.content }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The stored fields of the settings given, checked against the project's limits. */
  private async settingsFields(
    projectId: string,
    input: FunctionSettingsInput,
    defaults: { timeoutSeconds: number; memoryMb: number } | null,
  ): Promise<Partial<FunctionRecord>> {
    const { limits, autoscaling } = await this.projectSettings.get(projectId);
    const fields: Partial<FunctionRecord> = {};
    const timeoutSeconds = input.timeoutSeconds ?? defaults?.timeoutSeconds;
    if (timeoutSeconds !== undefined) {
      if (timeoutSeconds > limits.maxFunctionTimeoutSeconds) {
        throw outOfBounds(`timeoutSeconds may be at most ${limits.maxFunctionTimeoutSeconds} in this project`);
      }
      fields.timeoutSeconds = timeoutSeconds;
    }
    const memoryMb = input.memoryMb ?? defaults?.memoryMb;
    if (memoryMb !== undefined) {
      if (memoryMb > limits.maxFunctionMemoryMb) {
        throw outOfBounds(`memoryMb may be at most ${limits.maxFunctionMemoryMb} in this project`);
      }
      fields.memoryMb = memoryMb;
    }
    if (input.network !== undefined) fields.network = input.network;
    if (input.env !== undefined) {
      const keys = input.env.map((entry) => entry.key);
      const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
      if (duplicate)
        throw new FunctionException(FunctionExceptionReason.INVALID_ENV, `The variable ${duplicate} is given twice`);
      const values = Object.fromEntries(input.env.map((entry) => [entry.key, entry.value]));
      fields.envKeys = keys;
      fields.envCiphertext = keys.length ? this.encryption.encrypt(JSON.stringify(values), ENV_PURPOSE) : null;
    }
    if (input.httpEnabled !== undefined) fields.httpEnabled = input.httpEnabled;
    if (input.httpAuth !== undefined) fields.httpAuth = input.httpAuth;
    if (input.schedules !== undefined) fields.schedules = input.schedules.map(checkSchedule);
    if (input.eventTriggers !== undefined)
      fields.eventTriggers = [...new Set(input.eventTriggers.map(checkEventTrigger))];
    if (input.minWarmInstances !== undefined) {
      if (input.minWarmInstances > autoscaling.maxWarmInstances) {
        throw outOfBounds(`minWarmInstances may be at most ${autoscaling.maxWarmInstances} in this project`);
      }
      fields.minWarmInstances = input.minWarmInstances;
    }
    if (input.maxConcurrency !== undefined) fields.maxConcurrency = input.maxConcurrency;
    return fields;
  }
}

/** SHA-256 over the runtime, the handler and every file, with lengths so that no two inputs run together. */
export function versionHash(
  runtime: string,
  handler: string,
  files: ReadonlyArray<{ path: string; content: string }>,
): string {
  const hash = createHash('sha256');
  for (const part of [runtime, handler, ...files.flatMap((file) => [file.path, file.content])]) {
    hash.update(`${Buffer.byteLength(part)}:`).update(part);
  }
  return hash.digest('hex');
}

function sizeOf(files: ReadonlyArray<{ content: string }>): number {
  return files.reduce((total, file) => total + Buffer.byteLength(file.content), 0);
}

function checkHandler(handler: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_\-/]*(\.[A-Za-z_$][A-Za-z0-9_$]*)?$/.test(handler) || handler.includes('..')) {
    throw new FunctionException(
      FunctionExceptionReason.INVALID_HANDLER,
      'handler must be <file>.<export>, such as index.handler or main.handler',
    );
  }
  return handler;
}

export function checkSchedule(schedule: { cron: string; timezone: string }): FunctionScheduleRecord {
  const cron = schedule.cron.trim();
  try {
    new Intl.DateTimeFormat('en', { timeZone: schedule.timezone });
  } catch {
    throw new FunctionException(
      FunctionExceptionReason.INVALID_SCHEDULE,
      `"${schedule.timezone.slice(0, 64)}" is not a time zone`,
    );
  }
  const fields = cron.split(/\s+/).length;
  try {
    if (fields < 5 || fields > 6) throw new Error('it needs five fields, or six with seconds first');
    parseExpression(cron, { tz: schedule.timezone }).next();
  } catch (error) {
    throw new FunctionException(
      FunctionExceptionReason.INVALID_SCHEDULE,
      `"${cron.slice(0, 100)}" is not a cron expression: ${(error as Error).message}`,
    );
  }
  return { cron, timezone: schedule.timezone };
}

export function checkEventTrigger(raw: string): string {
  const pattern = raw.trim();
  if (!EVENT_PATTERN.test(pattern)) {
    throw new FunctionException(
      FunctionExceptionReason.INVALID_EVENT_PATTERN,
      `"${pattern.slice(0, 100)}" is not an event name (build.succeeded) or family (deployment.*)`,
    );
  }
  const family = pattern.endsWith('.*') ? pattern.slice(0, -1) : null;
  if (LOOPING_EVENTS.some((event) => event === pattern || (family !== null && event.startsWith(family)))) {
    throw new FunctionException(
      FunctionExceptionReason.INVALID_EVENT_PATTERN,
      `A function cannot be invoked by ${LOOPING_EVENTS.join(' or ')}: its own invocations would invoke it again`,
    );
  }
  return pattern;
}

function notFound(): FunctionException {
  return new FunctionException(FunctionExceptionReason.FUNCTION_NOT_FOUND, 'No such function');
}

function nameTaken(name: string): FunctionException {
  return new FunctionException(FunctionExceptionReason.NAME_TAKEN, `The project already has a function named ${name}`);
}

function outOfBounds(message: string): FunctionException {
  return new FunctionException(FunctionExceptionReason.OUT_OF_BOUNDS, message);
}
