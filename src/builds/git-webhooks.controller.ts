import {
  Controller,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../access/access.decorators';
import { AuditService } from '../audit/audit.service';
import { AuditOutcome } from '../audit/audit-log.schema';
import { RequestContext } from '../common/context/request-context';
import { isObjectId } from '../common/mongo/object-id';
import { matchesAnyBranchPattern } from '../settings/branch-patterns';
import { ProjectSettingsService } from '../settings/project-settings.service';
import { BuildSettingsService } from './build-settings.service';
import { BuildsService } from './builds.service';
import { eventOf, pushOf, verifiedProvider } from './git-push';

/**
 * `POST /hooks/git/<projectId>`: push webhooks as GitHub, GitLab and Gitea send them, verified with
 * the project's key. A push to the production branch, or to a branch matching one of the
 * auto-deploy patterns while preview deployments are on, queues a build of the pushed commit
 * (superseding the branch's waiting builds); anything else is acknowledged and ignored. An
 * unknown project or a bad signature is a plain 404.
 */
@Controller('hooks/git')
@Public()
export class GitWebhooksController {
  constructor(
    private readonly settings: BuildSettingsService,
    private readonly projectSettings: ProjectSettingsService,
    private readonly builds: BuildsService,
    private readonly audit: AuditService,
  ) {}

  @Post(':projectId')
  @HttpCode(HttpStatus.OK)
  async push(
    @Param('projectId') projectId: string,
    @Req() req: RawBodyRequest<Request>,
  ): Promise<{ buildId?: string; ignored?: string }> {
    const settings = isObjectId(projectId) ? await this.settings.record(projectId) : undefined;
    const secret = settings ? this.settings.gitWebhookSecret(settings) : null;
    const provider = secret && req.rawBody ? verifiedProvider(req.headers, req.rawBody, secret) : undefined;
    if (!provider) throw new NotFoundException('Not found');
    if (eventOf(req.headers) !== 'push') return { ignored: 'not a push' };
    const push = pushOf(provider, req.body);
    if (!push) return { ignored: 'not a branch push' };
    const preferences = await this.projectSettings.deploymentPreferences(projectId);
    if (push.branch !== preferences.productionBranch) {
      if (!matchesAnyBranchPattern(preferences.autoDeployBranches, push.branch)) {
        return { ignored: `branch ${push.branch} is not deployed on push` };
      }
      if (!preferences.previewDeployments) return { ignored: 'preview deployments are off' };
    }
    const ctx = RequestContext.anonymous({ ip: req.ip, userAgent: req.get('user-agent') ?? undefined });
    const started = performance.now();
    const build = await this.builds.create(
      ctx,
      { projectId, branch: push.branch, commitSha: push.commitSha, supersedeQueued: true },
      `git-push:${push.provider}`,
    );
    await this.audit.confirm({
      ctx,
      operation: 'http.gitPush',
      args: { provider: push.provider, branch: push.branch, commitSha: push.commitSha },
      projectId,
      actorId: `git-push:${push.provider}`,
      outcome: AuditOutcome.GRANTED,
      durationMs: performance.now() - started,
    });
    return { buildId: build.id };
  }
}
