import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export enum WebhookDeliveryStatus {
  /** Waiting for its first attempt, for its next one, or for the deliveries before it. */
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  /** Every attempt of the retry schedule failed. */
  FAILED = 'FAILED',
}

/** One attempt at calling the endpoint. */
@Schema({ _id: false, versionKey: false })
export class WebhookAttemptRecord {
  @Prop({ type: Date, required: true })
  at!: Date;

  @Prop({ type: Number, default: null })
  statusCode!: number | null;

  @Prop({ required: true })
  durationMs!: number;

  /** The first 4 KiB of the answer. */
  @Prop({ type: String, default: null })
  responseBody!: string | null;

  @Prop({ type: String, default: null })
  errorCode!: string | null;

  @Prop({ type: String, default: null })
  error!: string | null;
}

const WebhookAttemptSchema = SchemaFactory.createForClass(WebhookAttemptRecord);

/** An event on its way to one endpoint, and every attempt at it. */
@Schema({ collection: 'webhook_deliveries', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class WebhookDeliveryRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  webhookId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** The event's `msg_…` id (the `webhook-id` header). */
  @Prop({ required: true })
  eventId!: string;

  @Prop({ required: true })
  event!: string;

  /** 0 for the event's delivery, then 1, 2, … for each redelivery asked for. */
  @Prop({ required: true, default: 0 })
  round!: number;

  /** Where it stands in the endpoint's order: when the event was recorded (or redelivery asked for), then `orderKey`. */
  @Prop({ type: Date, required: true })
  orderAt!: Date;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  orderKey!: Types.ObjectId;

  @Prop({ required: true, enum: WebhookDeliveryStatus })
  status!: WebhookDeliveryStatus;

  @Prop({ required: true, default: 0 })
  attempts!: number;

  /** When it may be attempted next; null once it is finished. */
  @Prop({ type: Date, default: null })
  nextAttemptAt!: Date | null;

  /** The latest attempts, oldest first (at most MAX_KEPT_ATTEMPTS). */
  @Prop({ type: [WebhookAttemptSchema], default: [] })
  attemptLog!: WebhookAttemptRecord[];

  @Prop({ type: Date, default: null })
  finishedAt!: Date | null;

  /** When MongoDB removes it: WEBHOOK_RETENTION_DAYS after it finished; null while it is pending. */
  @Prop({ type: Date, default: null })
  expiresAt!: Date | null;

  createdAt!: Date;
}

export const WebhookDeliverySchema = SchemaFactory.createForClass(WebhookDeliveryRecord);
WebhookDeliverySchema.index({ webhookId: 1, eventId: 1, round: 1 }, { unique: true });
WebhookDeliverySchema.index({ webhookId: 1, status: 1, orderAt: 1, orderKey: 1 });
WebhookDeliverySchema.index({ webhookId: 1, _id: -1 });
WebhookDeliverySchema.index({ status: 1, nextAttemptAt: 1 });
WebhookDeliverySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
