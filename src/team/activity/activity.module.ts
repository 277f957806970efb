import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../../access/access.module';
import { AuthModule } from '../../auth/auth.module';
import { EventOutbox } from '../../common/events/event-outbox';
import { ActivityEntryRecord, ActivityEntrySchema } from './activity-entry.schema';
import { ActivityWriterService } from './activity-writer.service';
import { ActivityResolver } from './activity.resolver';
import { ActivityService } from './activity.service';

@Module({
  imports: [
    AccessModule,
    AuthModule,
    MongooseModule.forFeature([{ name: ActivityEntryRecord.name, schema: ActivityEntrySchema }]),
  ],
  providers: [ActivityService, ActivityWriterService, ActivityResolver],
  exports: [ActivityService],
})
export class ActivityModule implements OnModuleInit {
  constructor(
    private readonly outbox: EventOutbox,
    private readonly writer: ActivityWriterService,
  ) {}

  /** Every project event is stored in the feed before it is announced (docs/team.md, "Activity feed"). */
  onModuleInit(): void {
    this.outbox.register(this.writer);
  }
}
