import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { ProjectRecord } from '../project.schema';

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
