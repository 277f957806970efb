import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../../access/access.module';
import { ResourceLocator } from '../../access/resource-locator';
import { AuthModule } from '../../auth/auth.module';
import { AppConfig, DEFAULT_INVITATION_LINK_BASE } from '../../config/app-config';
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
  private readonly logger = new Logger(InvitationsModule.name);

  constructor(
    private readonly locator: ResourceLocator,
    private readonly invitations: InvitationsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.locator.register('invitation', (id) => this.invitations.projectOf(id));
    if (this.config.isProduction && this.config.INVITATION_LINK_BASE === DEFAULT_INVITATION_LINK_BASE) {
      this.logger.warn(
        `INVITATION_LINK_BASE is not set: invitation emails link to ${DEFAULT_INVITATION_LINK_BASE}, a development address`,
      );
    }
  }
}
