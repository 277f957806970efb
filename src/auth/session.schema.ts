import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { ExpiresAtProp } from '../common/mongo/expiry';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';

/** How many superseded refresh tokens a session remembers, to recognise replays. */
export const REMEMBERED_REFRESH_TOKENS = 20;

/**
 * One signed-in device. Its refresh token rotates on every use; only SHA-256 hashes are stored.
 * Presenting a superseded token means it leaked, so the whole session is revoked.
 */
@Schema({ collection: 'sessions', timestamps: true })
export class SessionRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  userId!: Types.ObjectId;

  @Prop({ required: true, unique: true })
  refreshTokenHash!: string;

  @Prop({ type: [String], default: [], index: true })
  previousTokenHashes!: string[];

  @ExpiresAtProp({ required: true })
  expiresAt!: Date;

  @Prop({ type: Date, default: null })
  revokedAt!: Date | null;

  @Prop({ type: String, default: null })
  revokedReason!: string | null;

  @Prop({ type: String, default: null })
  ip!: string | null;

  @Prop({ type: String, default: null })
  userAgent!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export type SessionDocument = HydratedDocument<SessionRecord>;
export const SessionSchema = SchemaFactory.createForClass(SessionRecord);
