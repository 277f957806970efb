import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { UserRecord } from '../user.schema';

@ObjectType('User')
export class User {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;

  static from(record: Pick<UserRecord, '_id' | 'email' | 'name' | 'createdAt'>): User {
    return Object.assign(new User(), {
      id: record._id.toHexString(),
      email: record.email,
      name: record.name,
      createdAt: record.createdAt,
    });
  }
}
