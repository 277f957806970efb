import { Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { unreachableServiceOf } from '../common/availability/backing-services';
import { AppConfig } from '../config/app-config';
import { sendDeploymentFile } from '../deployments/deployment-files';
import { DeploymentsService } from '../deployments/deployments.service';
import { DomainHostsService } from './domain-hosts.service';
import { requestHostname } from './hostname';

/**
 * Serves verified custom domains, ahead of every route of the API: a request whose host is one
 * gets the project's production deployment at the root (`/…`), as `/p/<project>/…` serves it,
 * every path included: on a custom domain, `/graphql` is the site's, not the API's. A verified
 * domain that is not the project's primary answers with a permanent redirect (308) to the same
 * path on the primary. Any other host, a domain still unverified included, goes on to the API,
 * so that adding a hostname without proving it can never take a host from the API.
 */
@Injectable()
export class CustomDomainsMiddleware {
  private readonly logger = new Logger(CustomDomainsMiddleware.name);

  constructor(
    private readonly hosts: DomainHostsService,
    private readonly deployments: DeploymentsService,
    private readonly config: AppConfig,
  ) {}

  /** The Express handler, bound, to register with `app.use`. */
  readonly handle = (req: Request, res: Response, next: NextFunction): void => {
    // `hostname` honours `trust proxy` (X-Forwarded-Host from a trusted proxy) and has no port.
    const hostname = requestHostname(req.hostname, this.config.PLATFORM_DOMAINS);
    if (!hostname) return next();
    this.serve(hostname, req, res, next).catch((error: unknown) => this.fail(error, res, next));
  };

  private async serve(hostname: string, req: Request, res: Response, next: NextFunction): Promise<void> {
    const route = await this.hosts.route(hostname);
    if (!route) return next();
    if (route.redirectTo) {
      const port = /:\d+$/.exec(req.host ?? '')?.[0] ?? '';
      res.redirect(308, `${req.protocol}://${route.redirectTo}${port}${req.originalUrl}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('allow', 'GET, HEAD').type('text/plain').send('Method Not Allowed');
      return;
    }
    const deploymentId = await this.deployments.productionId(route.projectId);
    if (!deploymentId) {
      res.status(404).type('text/plain').send('This site has no production deployment yet');
      return;
    }
    const file = await this.deployments.fileOf(deploymentId, req.path.slice(1));
    if (!file) {
      res.status(404).type('text/plain').send('Not Found');
      return;
    }
    await sendDeploymentFile(res, file, 'no-cache', { sandboxed: false });
  }

  private fail(error: unknown, res: Response, next: NextFunction): void {
    if (res.headersSent) return next(error);
    // The file went away between finding it and sending it.
    if ((error as { status?: unknown }).status === 404) {
      res.status(404).type('text/plain').send('Not Found');
      return;
    }
    if (unreachableServiceOf(error)) {
      res.status(503).set('retry-after', '5').type('text/plain').send('Service Unavailable');
      return;
    }
    this.logger.error(`Serving a custom domain failed: ${(error as Error).stack ?? String(error)}`);
    res.status(500).type('text/plain').send('Internal Server Error');
  }
}
