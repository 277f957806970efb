import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

@Schema({ _id: false, versionKey: false })
export class FunctionFileRecord {
  @Prop({ required: true })
  path!: string;

  @Prop({ required: true })
  content!: string;
}
const FunctionFileSchema = SchemaFactory.createForClass(FunctionFileRecord);

/** One immutable state of a function's code: its files, runtime and handler, named by their hash. */
@Schema({ collection: 'function_versions', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class FunctionVersionRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  functionId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  projectId!: Types.ObjectId;

  /** 1, 2, 3, … within the function. */
  @Prop({ required: true })
  number!: number;

  /** SHA-256 over the runtime, the handler and every file's path and content. */
  @Prop({ required: true })
  hash!: string;

  @Prop({ required: true })
  runtime!: string;

  @Prop({ required: true })
  handler!: string;

  @Prop({ type: [FunctionFileSchema], required: true })
  files!: FunctionFileRecord[];

  @Prop({ required: true })
  sizeBytes!: number;

  @Prop({ type: String, default: null })
  createdBy!: string | null;

  createdAt!: Date;
}

export const FunctionVersionSchema = SchemaFactory.createForClass(FunctionVersionRecord);
FunctionVersionSchema.index({ functionId: 1, number: 1 }, { unique: true });
FunctionVersionSchema.index({ functionId: 1, hash: 1 });
