import { Controller, HttpCode, HttpStatus, NotFoundException, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../access/access.decorators';
import { AuditService } from '../audit/audit.service';
import { AuditOutcome } from '../audit/audit-log.schema';
import { RequestContext } from '../common/context/request-context';
import { BuildException } from './build.exception';
import { DeployHooksService } from './deploy-hooks.service';

/**
 * `POST /hooks/deploy/<hookId>/<secret>`: the secret in the address is the credential, so the
 * route is public; a wrong or unknown address is a plain 404 and tells nothing. Each trigger is in
 * the audit log, under the project, without the secret.
 */
@Controller('hooks/deploy')
@Public()
export class DeployHooksController {
  constructor(
    private readonly hooks: DeployHooksService,
    private readonly audit: AuditService,
  ) {}

  @Post(':hookId/:secret')
  @HttpCode(HttpStatus.CREATED)
  async trigger(
    @Param('hookId') hookId: string,
    @Param('secret') secret: string,
    @Req() req: Request,
  ): Promise<{ buildId: string; status: string }> {
    const ctx = RequestContext.anonymous({ ip: req.ip, userAgent: req.get('user-agent') ?? undefined });
    const started = performance.now();
    try {
      const build = await this.hooks.trigger(hookId, secret, ctx);
      await this.audit.confirm({
        ctx,
        operation: 'http.deployHook',
        args: { hookId },
        projectId: build.projectId,
        actorId: `deploy-hook:${hookId}`,
        outcome: AuditOutcome.GRANTED,
        durationMs: performance.now() - started,
      });
      return { buildId: build.id, status: build.status };
    } catch (error) {
      if (error instanceof BuildException) throw new NotFoundException('Not found');
      throw error;
    }
  }
}
