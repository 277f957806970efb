import { Field, ID, InputType } from '@nestjs/graphql';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class CreateBuildInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ nullable: true, description: "The project's production branch when omitted." })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  branch?: string;

  @Field({ nullable: true, description: "The branch's head when omitted." })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  commitSha?: string;

  @Field(() => Boolean, {
    defaultValue: false,
    description: "Cancel the branch's builds still waiting in the queue: this one supersedes them.",
  })
  @IsBoolean()
  supersedeQueued = false;
}
