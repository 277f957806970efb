import { registerEnumType } from '@nestjs/graphql';

export enum ReportFormat {
  JSON = 'JSON',
  CSV = 'CSV',
}

registerEnumType(ReportFormat, { name: 'ReportFormat' });
