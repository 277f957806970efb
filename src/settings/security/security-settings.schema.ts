import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

/** A project's security settings: one document per project, its id the project's. */
@Schema({ collection: 'project_security_settings', versionKey: false, timestamps: true })
export class SecuritySettingsRecord {
  /** The project id. */
  _id!: Types.ObjectId;

  /** Normalized addresses and networks operations on the project may come from; empty: any. */
  @Prop({ type: [String], default: [] })
  ipAllowlist!: string[];

  /** Operations per window one caller may start on the project; null: the platform's limit. */
  @Prop({ type: Number, default: null })
  rateLimitPerMinute!: number | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const SecuritySettingsSchema = SchemaFactory.createForClass(SecuritySettingsRecord);
