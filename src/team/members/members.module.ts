import { Module } from '@nestjs/common';
import { AccessModule } from '../../access/access.module';
import { AuthModule } from '../../auth/auth.module';
import { ActivityModule } from '../activity/activity.module';
import { MembersResolver } from './members.resolver';
import { MembersService } from './members.service';

@Module({
  imports: [AccessModule, AuthModule, ActivityModule],
  providers: [MembersService, MembersResolver],
  exports: [MembersService],
})
export class MembersModule {}
