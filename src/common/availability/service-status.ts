import { Injectable, Logger } from '@nestjs/common';
import type { BackingService } from './backing-services';

/**
 * What this process currently knows about its backing services. An outage is logged once, when
 * it starts, and once more when it ends, however many clients and requests run into it meanwhile.
 */
@Injectable()
export class ServiceStatus {
  private readonly logger = new Logger('Availability');
  private readonly outages = new Map<BackingService, number>();

  markDown(service: BackingService, reason: string): void {
    if (this.outages.has(service)) return;
    this.outages.set(service, Date.now());
    this.logger.error(
      `${service} is unreachable (${reason}); requests that need it fail with SERVICE_UNAVAILABLE until it is back`,
    );
  }

  markUp(service: BackingService): void {
    const since = this.outages.get(service);
    if (since === undefined) return;
    this.outages.delete(service);
    this.logger.log(`${service} is reachable again after ${((Date.now() - since) / 1000).toFixed(1)} s`);
  }

  isDown(service: BackingService): boolean {
    return this.outages.has(service);
  }
}
