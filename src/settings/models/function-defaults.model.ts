import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description: "What a project's new functions get unless they say otherwise; within the project's limits.",
})
export class FunctionDefaults {
  @Field({ description: 'nodejs18, nodejs20, nodejs22, python3.9, python3.11, go1.21 or ruby3.2.' })
  runtime!: string;

  @Field(() => Int)
  timeoutSeconds!: number;

  @Field(() => Int)
  memoryMb!: number;
}
