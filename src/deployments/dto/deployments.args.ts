import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsEnum, IsOptional } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { IsObjectId } from '../../common/validation/is-object-id';
import { DeploymentEnvironment } from '../deployment.schema';

@ArgsType()
export class DeploymentsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => DeploymentEnvironment, { nullable: true })
  @IsOptional()
  @IsEnum(DeploymentEnvironment)
  environment?: DeploymentEnvironment;
}
