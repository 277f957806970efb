import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/** An endpoint of a project that is sent the project's events matching its patterns. */
@Schema({ collection: 'webhooks', versionKey: false, timestamps: true })
export class WebhookRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** Absolute http(s), as `parseWebhookUrl` normalised it. */
  @Prop({ required: true })
  url!: string;

  /** Event names, families (`build.*`) or `*`. */
  @Prop({ type: [String], required: true })
  events!: string[];

  @Prop({ type: String, default: null })
  description!: string | null;

  @Prop({ required: true, default: true })
  enabled!: boolean;

  /** Why the platform disabled the endpoint; null when enabled or disabled by a user. */
  @Prop({ type: String, default: null })
  disabledReason!: string | null;

  @Prop({ type: Date, default: null })
  disabledAt!: Date | null;

  /** The signing secret (`whsec_…`), encrypted with the platform key ring. */
  @Prop({ required: true })
  secret!: string;

  /** The secret before the last rotation, encrypted; deliveries are signed with it too until `previousSecretUntil`. */
  @Prop({ type: String, default: null })
  previousSecret!: string | null;

  @Prop({ type: Date, default: null })
  previousSecretUntil!: Date | null;

  /**
   * When the endpoint started failing every attempt; null once an attempt succeeds, the endpoint is
   * enabled again or its URL changes. A failure after a quiet time starts a new period.
   */
  @Prop({ type: Date, default: null })
  failingSince!: Date | null;

  /** The latest failed attempt of the failing period; null with `failingSince`. */
  @Prop({ type: Date, default: null })
  lastFailureAt!: Date | null;

  /** The worker delivering to the endpoint now, and until when its lease holds. */
  @Prop({ type: String, default: null })
  leaseOwner!: string | null;

  @Prop({ type: Date, default: null })
  leaseUntil!: Date | null;

  /** Bumped whenever deliveries are added, so the lease holder sees them before it lets go. */
  @Prop({ required: true, default: 0 })
  kicks!: number;

  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookSchema = SchemaFactory.createForClass(WebhookRecord);
WebhookSchema.index({ projectId: 1, _id: -1 });
