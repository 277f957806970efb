import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsDate, IsEnum } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { ReportFormat } from '../models/report-format.enum';

@ArgsType()
export class MetricsReportArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'Taken down to the start of its hour (or day, for spans over 7 days).' })
  @IsDate()
  from!: Date;

  @Field({ description: 'Taken up to the end of its hour (or day); at most 366 days after `from`.' })
  @IsDate()
  to!: Date;

  @Field(() => ReportFormat, { defaultValue: ReportFormat.JSON })
  @IsEnum(ReportFormat)
  format: ReportFormat = ReportFormat.JSON;
}
