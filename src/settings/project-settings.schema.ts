import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

/*
 * What a project has set, group by group. Only what was given is stored: a field, or a whole
 * group, that is absent takes its default when read (`effective-settings.ts`), so defaults can
 * follow the platform's configuration and groups added later need no migration.
 */

export enum NotificationChannel {
  EMAIL = 'EMAIL',
  WEBHOOK = 'WEBHOOK',
}

@Schema({ _id: false, versionKey: false })
export class DeploymentPreferencesRecord {
  @Prop({ type: String })
  productionBranch?: string;

  /** Branch patterns (`feature/*`) that a git push deploys as previews. */
  @Prop({ type: [String], default: undefined })
  autoDeployBranches?: string[];

  @Prop({ type: Boolean })
  previewDeployments?: boolean;
}

@Schema({ _id: false, versionKey: false })
export class FunctionDefaultsRecord {
  @Prop({ type: String })
  runtime?: string;

  @Prop({ type: Number })
  timeoutSeconds?: number;

  @Prop({ type: Number })
  memoryMb?: number;
}

@Schema({ _id: false, versionKey: false })
export class ResourceLimitsRecord {
  @Prop({ type: Number })
  maxBuildTimeoutSeconds?: number;

  @Prop({ type: Number })
  maxBuildMemoryMb?: number;

  @Prop({ type: Number })
  maxFunctionTimeoutSeconds?: number;

  @Prop({ type: Number })
  maxFunctionMemoryMb?: number;

  @Prop({ type: Number })
  concurrentBuilds?: number;
}

@Schema({ _id: false, versionKey: false })
export class AutoscalingSettingsRecord {
  @Prop({ type: Number })
  minWarmInstances?: number;

  @Prop({ type: Number })
  maxWarmInstances?: number;

  @Prop({ type: Number })
  targetConcurrency?: number;
}

@Schema({ _id: false, versionKey: false })
export class NotificationRecipientsRecord {
  /** Built-in role keys or custom role ids of the project. */
  @Prop({ type: [String], default: [] })
  roles!: string[];

  @Prop({ type: [String], default: [] })
  userIds!: string[];

  @Prop({ type: [String], default: [] })
  emails!: string[];
}

@Schema({ _id: false, versionKey: false })
export class NotificationRuleRecord {
  /** An event name (`build.failed`), a family (`build.*`) or `*`. */
  @Prop({ required: true })
  event!: string;

  @Prop({ type: [String], enum: Object.values(NotificationChannel), required: true })
  channels!: NotificationChannel[];

  @Prop({ type: SchemaFactory.createForClass(NotificationRecipientsRecord), required: true })
  recipients!: NotificationRecipientsRecord;
}

@Schema({ _id: false, versionKey: false })
export class NotificationPreferencesRecord {
  @Prop({ type: [SchemaFactory.createForClass(NotificationRuleRecord)], default: undefined })
  rules?: NotificationRuleRecord[];
}

/** One document per project, its id the project's. */
@Schema({ collection: 'project_settings', versionKey: false, timestamps: true })
export class ProjectSettingsRecord {
  /** The project id. */
  _id!: Types.ObjectId;

  /** Counts the changes; an update applies only to the revision it read, so checks across fields and groups hold. */
  @Prop({ required: true, default: 0 })
  revision!: number;

  @Prop({ type: SchemaFactory.createForClass(DeploymentPreferencesRecord), default: undefined })
  deployment?: DeploymentPreferencesRecord;

  @Prop({ type: SchemaFactory.createForClass(FunctionDefaultsRecord), default: undefined })
  functions?: FunctionDefaultsRecord;

  @Prop({ type: SchemaFactory.createForClass(ResourceLimitsRecord), default: undefined })
  limits?: ResourceLimitsRecord;

  @Prop({ type: SchemaFactory.createForClass(AutoscalingSettingsRecord), default: undefined })
  autoscaling?: AutoscalingSettingsRecord;

  @Prop({ type: SchemaFactory.createForClass(NotificationPreferencesRecord), default: undefined })
  notifications?: NotificationPreferencesRecord;

  createdAt!: Date;
  updatedAt!: Date;
}

export const ProjectSettingsSchema = SchemaFactory.createForClass(ProjectSettingsRecord);

/** The groups a project settings document holds, by their field names. */
export type SettingsGroup = 'deployment' | 'functions' | 'limits' | 'autoscaling' | 'notifications';
