import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';

/** The tenancy root: every other resource hangs from a project. */
@Schema({ collection: 'projects', timestamps: true })
export class ProjectRecord {
  _id!: Types.ObjectId;

  @Prop({ required: true, trim: true })
  name!: string;

  /** URL-safe handle, unique per owner. */
  @Prop({ required: true })
  slug!: string;

  @Prop({ type: String, default: '' })
  description!: string;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  ownerId!: Types.ObjectId;

  createdAt!: Date;
  updatedAt!: Date;
}

export type ProjectDocument = HydratedDocument<ProjectRecord>;
export const ProjectSchema = SchemaFactory.createForClass(ProjectRecord);
ProjectSchema.index({ ownerId: 1, slug: 1 }, { unique: true });

@ObjectType()
export class Project {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  slug!: string;

  @Field()
  description!: string;

  @Field(() => ID)
  ownerId!: string;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(record: ProjectRecord): Project {
    return Object.assign(new Project(), {
      id: record._id.toHexString(),
      name: record.name,
      slug: record.slug,
      description: record.description,
      ownerId: record.ownerId.toHexString(),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}
