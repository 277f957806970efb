import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../../access/access.module';
import { AuthModule } from '../../auth/auth.module';
import { ActivityEntryRecord, ActivityEntrySchema } from './activity-entry.schema';
import { ActivityListener } from './activity.listener';
import { ActivityResolver } from './activity.resolver';
import { ActivityService } from './activity.service';

@Module({
  imports: [
    AccessModule,
    AuthModule,
    MongooseModule.forFeature([{ name: ActivityEntryRecord.name, schema: ActivityEntrySchema }]),
  ],
  providers: [ActivityService, ActivityListener, ActivityResolver],
  exports: [ActivityService],
})
export class ActivityModule {}
