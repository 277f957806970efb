import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class BuildLogLine {
  @Field(() => Int, { description: 'Position in the build log, from 1, without gaps.' })
  seq!: number;

  @Field()
  at!: Date;

  @Field({ description: 'stdout, stderr, or system for what the platform says.' })
  stream!: string;

  @Field()
  step!: string;

  @Field()
  text!: string;
}
