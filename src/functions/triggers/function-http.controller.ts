import { All, Controller, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../../access/access.decorators';
import { AccessService } from '../../access/access.service';
import { RequestAuthenticator } from '../../auth/request-authenticator';
import { AppException } from '../../common/errors/app.exception';
import { AppConfig } from '../../config/app-config';
import { ProjectsService } from '../../projects/projects.service';
import { FunctionException, FunctionExceptionReason } from '../function.exception';
import { InvocationStatus, InvocationTrigger } from '../function-invocation.schema';
import { HttpTriggerAuth } from '../function.schema';
import { FunctionInvokerService } from '../function-invoker.service';
import { FunctionsService } from '../functions.service';
import { FUNCTION_RESPONSE_HEADERS, type HttpEvent, isTextual, replyFrom } from './http-event';

/** Request headers a function never sees: the caller's credential belongs to the platform. */
const HIDDEN_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** How a failed invocation answers over HTTP. */
const FAILURE_STATUS: Partial<Record<InvocationStatus, number>> = {
  [InvocationStatus.FAILED]: 502,
  [InvocationStatus.MEMORY_LIMIT_EXCEEDED]: 502,
  [InvocationStatus.TIMED_OUT]: 504,
};

/**
 * HTTP triggers: `/fn/<project id or slug>/<function name>[/<path>]`, any method. The request
 * becomes the event (method, path, query, headers, body) and the handler's return value the
 * response. A function answers only when its HTTP trigger is on; a TOKEN one wants a bearer token
 * of someone holding `function:invoke` in the project, and never sees that token.
 */
@Controller()
@Public()
export class FunctionHttpController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly functions: FunctionsService,
    private readonly invoker: FunctionInvokerService,
    private readonly authenticator: RequestAuthenticator,
    private readonly access: AccessService,
    private readonly config: AppConfig,
  ) {}

  @All(['fn/:project/:name', 'fn/:project/:name/*path'])
  async handle(
    @Param('project') project: string,
    @Param('name') name: string,
    @Param('path') path: string[] | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const projectId = await this.projects.idForAddress(project);
      const record = projectId ? await this.functions.findByName(projectId, name) : null;
      if (!record || !record.httpEnabled) {
        sendError(res, 404, 'NOT_FOUND', 'No function answers on this address');
        return;
      }
      let actorId: string | undefined;
      if (record.httpAuth === HttpTriggerAuth.TOKEN) {
        const { ctx, failure } = await this.authenticator.authenticateRequest(req);
        if (failure || !ctx.user) {
          res.setHeader('www-authenticate', 'Bearer');
          sendError(res, 401, 'UNAUTHENTICATED', failure?.message ?? 'This function wants a bearer token');
          return;
        }
        await this.access.requireAccess(ctx, 'function:invoke', record.projectId.toHexString());
        actorId = ctx.actorId;
      }
      const event = await this.eventOf(req, path);
      const invocation = await this.invoker.invokeNow(
        record,
        this.invoker.payloadJson(event),
        InvocationTrigger.HTTP,
        actorId,
      );
      res.setHeader('x-slipway-invocation-id', invocation._id.toHexString());
      if (invocation.status !== InvocationStatus.SUCCEEDED) {
        const status = FAILURE_STATUS[invocation.status] ?? 502;
        sendError(res, status, invocation.status, invocation.error?.message ?? 'The function failed');
        return;
      }
      const reply = replyFrom(invocation.resultJson === null ? null : JSON.parse(invocation.resultJson));
      res.status(reply.status);
      for (const [header, value] of Object.entries(reply.headers)) res.setHeader(header, value);
      for (const [header, value] of Object.entries(FUNCTION_RESPONSE_HEADERS)) res.setHeader(header, value);
      res.end(reply.body);
    } catch (error) {
      if (error instanceof AppException) {
        const status = error instanceof FunctionException ? functionStatus(error.reason) : statusOf(error.code);
        sendError(res, status, error.reason ?? error.code, error.message);
        return;
      }
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'The function could not be invoked');
    }
  }

  private async eventOf(req: Request, path: string[] | undefined): Promise<HttpEvent> {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || HIDDEN_HEADERS.has(key)) continue;
      headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    const raw = await this.bodyOf(req);
    const textual = isTextual(req.get('content-type'));
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of new URL(req.originalUrl, 'http://function').searchParams) {
      const seen = query[key];
      query[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    return {
      method: req.method,
      path: `/${(path ?? []).join('/')}`,
      query,
      headers,
      body: raw === null ? null : raw.toString(textual ? 'utf8' : 'base64'),
      isBase64Encoded: raw !== null && !textual,
      requestContext: { ip: req.ip ?? null, time: new Date().toISOString() },
    };
  }

  /** The request's bytes: those a body parser kept, or read here up to the payload limit. */
  private async bodyOf(req: Request & { rawBody?: Buffer }): Promise<Buffer | null> {
    if (req.rawBody) return req.rawBody.length ? req.rawBody : null;
    if (req.readableEnded) return null;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.config.FUNCTION_MAX_PAYLOAD_BYTES) {
        throw new FunctionException(FunctionExceptionReason.PAYLOAD_TOO_LARGE, 'The request body is too large');
      }
      chunks.push(chunk);
    }
    return size ? Buffer.concat(chunks) : null;
  }
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function functionStatus(reason: FunctionExceptionReason): number {
  switch (reason) {
    case FunctionExceptionReason.FUNCTION_DISABLED:
      return 403;
    case FunctionExceptionReason.NO_ACTIVE_VERSION:
      return 404;
    case FunctionExceptionReason.CONCURRENCY_LIMIT:
      return 429;
    case FunctionExceptionReason.PAYLOAD_TOO_LARGE:
      return 413;
    default:
      return 400;
  }
}

function statusOf(code: string): number {
  return (
    { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, RATE_LIMITED: 429, SERVICE_UNAVAILABLE: 503 }[code] ?? 400
  );
}
