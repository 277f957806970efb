import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
import { DeploymentsModule } from '../deployments/deployments.module';
import { CustomDomainsMiddleware } from './custom-domains.middleware';
import { DnsLookup } from './dns-lookup';
import { DomainChecksService } from './domain-checks.service';
import { DomainHostsService } from './domain-hosts.service';
import { DomainRecord, DomainSchema } from './domain.schema';
import { DomainsResolver } from './domains.resolver';
import { DomainsService } from './domains.service';
import { ProjectDomainsListener } from './listeners/project-domains.listener';

@Module({
  imports: [
    AccessModule,
    DeploymentsModule,
    MongooseModule.forFeature([{ name: DomainRecord.name, schema: DomainSchema }]),
  ],
  providers: [
    DomainsService,
    DomainChecksService,
    DomainHostsService,
    DnsLookup,
    CustomDomainsMiddleware,
    ProjectDomainsListener,
    DomainsResolver,
  ],
  exports: [DomainsService, DomainChecksService, CustomDomainsMiddleware],
})
export class DomainsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly domains: DomainsService,
  ) {}

  onModuleInit(): void {
    this.locator.register('domain', (id) => this.domains.projectOf(id));
  }
}
