import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

/** How far a key rotation got in one encrypted field, so an interrupted one resumes there. */
@Schema({ collection: 'encryption_rotations', versionKey: false })
export class RotationCheckpointRecord {
  /** The field's name (`EncryptedField.name`). */
  @Prop({ type: String, required: true })
  _id!: string;

  /** The key the rotation re-encrypts under; a rotation to another key starts the field over. */
  @Prop({ required: true })
  keyId!: string;

  /** The last document done, in `_id` order. */
  @Prop({ type: Object, default: null })
  lastId!: Types.ObjectId | null;

  @Prop({ required: true, default: false })
  done!: boolean;

  @Prop({ required: true })
  updatedAt!: Date;
}

export const RotationCheckpointSchema = SchemaFactory.createForClass(RotationCheckpointRecord);
