import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument, Types } from 'mongoose';

@Schema({ collection: 'users', timestamps: true })
export class UserRecord {
  _id!: Types.ObjectId;

  @Prop({ required: true, unique: true, lowercase: true, trim: true })
  email!: string;

  @Prop({ required: true, trim: true })
  name!: string;

  @Prop({ required: true, select: false })
  passwordHash!: string;

  createdAt!: Date;
  updatedAt!: Date;
}

export type UserDocument = HydratedDocument<UserRecord>;
export const UserSchema = SchemaFactory.createForClass(UserRecord);

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
