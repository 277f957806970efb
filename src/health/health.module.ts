import { Module } from '@nestjs/common';
import { BackingServiceChecks } from './backing-service-checks';
import { HealthController } from './health.controller';

@Module({ controllers: [HealthController], providers: [BackingServiceChecks] })
export class HealthModule {}
