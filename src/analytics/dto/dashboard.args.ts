import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsEnum } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { DashboardRange } from '../models/dashboard-range.enum';

@ArgsType()
export class DashboardArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => DashboardRange, { defaultValue: DashboardRange.LAST_24_HOURS })
  @IsEnum(DashboardRange)
  range: DashboardRange = DashboardRange.LAST_24_HOURS;
}
