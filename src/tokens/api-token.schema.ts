import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import { ExpiresAtProp, indexExpiry } from '../common/mongo/expiry';

/** How many replaced secrets a token remembers, so that one used after its grace says "rotated". */
export const REMEMBERED_SECRETS = 5;

/** A secret replaced by rotation: it keeps working until `until`. */
export interface RetiredSecret {
  hash: string;
  until: Date;
}

/**
 * An API token. Its secret is never stored: only its SHA-256 (`secretHash`, unique, how a
 * presented token is found) and a short public prefix to recognise it by in lists.
 */
@Schema({ collection: 'api_tokens', versionKey: false, timestamps: true })
export class ApiTokenRecord {
  _id!: Types.ObjectId;

  /** The user who made it; the token acts for them, with at most their permissions. */
  @Prop({ type: SchemaTypes.ObjectId, required: true })
  ownerId!: Types.ObjectId;

  /** The one project the token may act in; null for an account-wide token. */
  @Prop({ type: SchemaTypes.ObjectId, default: null })
  projectId!: Types.ObjectId | null;

  @Prop({ required: true })
  name!: string;

  /** Permissions of the catalogue and `resource:*` wildcards, as given. */
  @Prop({ type: [String], default: [] })
  scopes!: string[];

  /** `slw_` and the first 8 characters of the current secret. */
  @Prop({ required: true })
  displayPrefix!: string;

  @Prop({ required: true })
  secretHash!: string;

  /** Secrets replaced by rotation, newest last; each works until its `until`. */
  @Prop({
    type: [{ _id: false, hash: { type: String, required: true }, until: { type: Date, required: true } }],
    default: [],
  })
  previousSecrets!: RetiredSecret[];

  @ExpiresAtProp()
  expiresAt!: Date | null;

  @Prop({ type: Date, default: null })
  revokedAt!: Date | null;

  /** Who revoked it (a user id). */
  @Prop({ type: String, default: null })
  revokedBy!: string | null;

  @Prop({ type: Date, default: null })
  rotatedAt!: Date | null;

  @Prop({ type: Date, default: null })
  lastUsedAt!: Date | null;

  @Prop({ type: String, default: null })
  lastUsedIp!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const ApiTokenSchema = SchemaFactory.createForClass(ApiTokenRecord);
ApiTokenSchema.index({ secretHash: 1 }, { unique: true });
ApiTokenSchema.index({ 'previousSecrets.hash': 1 });
ApiTokenSchema.index({ ownerId: 1, _id: -1 });
ApiTokenSchema.index({ projectId: 1, _id: -1 });
indexExpiry(ApiTokenSchema);
