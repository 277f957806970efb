import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../../access/access.module';
import { ResourceLocator } from '../../access/resource-locator';
import { AuthModule } from '../../auth/auth.module';
import { MailModule } from '../../mail/mail.module';
import { ProjectsModule } from '../../projects/projects.module';
import { InvitationRecord, InvitationSchema } from './invitation.schema';
import { InvitationsResolver } from './invitations.resolver';
import { InvitationsService } from './invitations.service';
import { MemberRemovedListener } from './listeners/member-removed.listener';
import { ProjectInvitationsListener } from './listeners/project-invitations.listener';

/** Invitations to a project by email (docs/team.md). */
@Module({
  imports: [
    AuthModule,
    AccessModule,
    ProjectsModule,
    MailModule,
    MongooseModule.forFeature([{ name: InvitationRecord.name, schema: InvitationSchema }]),
  ],
  providers: [InvitationsService, InvitationsResolver, ProjectInvitationsListener, MemberRemovedListener],
  exports: [InvitationsService],
})
export class InvitationsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly invitations: InvitationsService,
  ) {}

  onModuleInit(): void {
    this.locator.register('invitation', (id) => this.invitations.projectOf(id));
  }
}
