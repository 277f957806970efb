import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

/**
 * How a project builds: one document per project, its id the project's. Which branches deploy,
 * and how many builds run at once, are the project's settings (`src/settings/`).
 */
@Schema({ collection: 'build_settings', versionKey: false, timestamps: true })
export class BuildSettingsRecord {
  /** The project id. */
  _id!: Types.ObjectId;

  @Prop({ type: String, default: null })
  repositoryUrl!: string | null;

  /** Where the app lives inside the repository. */
  @Prop({ required: true, default: '' })
  rootDirectory!: string;

  /** Empty: detected from the repository. */
  @Prop({ type: String, default: null })
  installCommand!: string | null;

  @Prop({ type: String, default: null })
  buildCommand!: string | null;

  @Prop({ type: String, default: null })
  outputDirectory!: string | null;

  /** Directories, relative to the root directory, cached between builds besides the package manager's. */
  @Prop({ type: [String], default: [] })
  cacheDirectories!: string[];

  @Prop({ required: true, default: 900 })
  timeoutSeconds!: number;

  /** Whether deployments answer a missing page (a path without a file extension) with their index.html. */
  @Prop({ required: true, default: false })
  spaFallback!: boolean;

  /**
   * The key git push webhooks are signed with (GitHub, Gitea) or carry (GitLab), encrypted with the
   * platform's key ring (verifying a signature needs the key itself); shown once, when it is made.
   */
  @Prop({ type: String, default: null })
  gitWebhookSecret!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const BuildSettingsSchema = SchemaFactory.createForClass(BuildSettingsRecord);
