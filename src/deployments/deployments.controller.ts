import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../access/access.decorators';
import { ProjectsService } from '../projects/projects.service';
import { sendDeploymentFile } from './deployment-files';
import { DeploymentsService } from './deployments.service';

/**
 * Serves deployments' files: `/d/<deploymentId>/…` for any deployment (immutable, cached for a
 * year) and `/p/<project id or slug>/…` for a project's production deployment (revalidated on
 * every request, so a promotion or rollback shows at once). Express's `sendFile` sets the content
 * type, ETag and Last-Modified and answers conditional requests; paths that leave the deployment
 * are not found. Verified custom domains serve production the same way (`src/domains/`).
 */
@Controller()
@Public()
export class DeploymentsController {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly projects: ProjectsService,
  ) {}

  @Get(['d/:deploymentId', 'd/:deploymentId/*path'])
  async deployment(
    @Param('deploymentId') deploymentId: string,
    @Param('path') path: string[] | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await this.send(res, deploymentId, path, 'public, max-age=31536000, immutable');
  }

  @Get(['p/:project', 'p/:project/*path'])
  async production(
    @Param('project') project: string,
    @Param('path') path: string[] | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const projectId = await this.projects.idForAddress(project);
    const deploymentId = projectId ? await this.deployments.productionId(projectId) : null;
    if (!deploymentId) throw new NotFoundException('This project has no production deployment');
    await this.send(res, deploymentId, path, 'no-cache');
  }

  private async send(
    res: Response,
    deploymentId: string,
    path: string[] | undefined,
    cacheControl: string,
  ): Promise<void> {
    const file = await this.deployments.fileOf(deploymentId, (path ?? []).map(encodeURIComponent).join('/'));
    if (!file) throw new NotFoundException('No such file in this deployment');
    await sendDeploymentFile(res, file, cacheControl, { sandboxed: true });
  }
}
