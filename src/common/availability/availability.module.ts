import { Global, Module } from '@nestjs/common';
import { ServiceStatus } from './service-status';

@Global()
@Module({ providers: [ServiceStatus], exports: [ServiceStatus] })
export class AvailabilityModule {}
