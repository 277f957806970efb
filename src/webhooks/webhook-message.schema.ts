import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/**
 * The outbox: an event webhooks will carry, written by the process that made the change before it
 * announced it, then dispatched (a delivery per endpoint). One left undispatched by a process that
 * died in between is dispatched by the sweep.
 */
@Schema({ collection: 'webhook_messages', versionKey: false })
export class WebhookMessageRecord {
  _id!: Types.ObjectId;

  /** `msg_…`: the `webhook-id` header of every attempt of every delivery of this event. */
  @Prop({ required: true })
  eventId!: string;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** The event's name (`settings.updated`, `webhook.ping`). */
  @Prop({ required: true })
  type!: string;

  /** The exact JSON every attempt sends and signs. */
  @Prop({ required: true })
  body!: string;

  /** The endpoints whose patterns matched when the event was recorded. */
  @Prop({ type: [SchemaTypes.ObjectId], required: true })
  webhookIds!: Types.ObjectId[];

  @Prop({ type: Date, required: true })
  recordedAt!: Date;

  /** When its deliveries were made; null until then. */
  @Prop({ type: Date, default: null })
  dispatchedAt!: Date | null;

  /**
   * When MongoDB removes it: WEBHOOK_RETENTION_DAYS after it was recorded (or a redelivery was
   * asked for). The retention outlasts the retry schedule, so its deliveries are done by then,
   * unless an endpoint was disabled for longer: those find it gone and end FAILED (EVENT_GONE).
   */
  @Prop({ type: Date, default: null })
  expiresAt!: Date | null;
}

export const WebhookMessageSchema = SchemaFactory.createForClass(WebhookMessageRecord);
WebhookMessageSchema.index({ eventId: 1 }, { unique: true });
WebhookMessageSchema.index({ dispatchedAt: 1, recordedAt: 1 });
WebhookMessageSchema.index({ projectId: 1, dispatchedAt: 1, recordedAt: 1 });
WebhookMessageSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
