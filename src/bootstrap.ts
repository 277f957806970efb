import { Logger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { Request } from 'express';
import { isUnderQueueDashboard } from './admin/queue-dashboard.module';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { CustomDomainsMiddleware } from './domains/custom-domains.middleware';
import { GRAPHQL_PATH } from './graphql/subscription-server';
import { ideRouter } from './ide/ide.middleware';
import { playgroundRouter } from './playground/playground.middleware';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Creates and initialises the application without listening, so tests and main share one path. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
    bufferLogs: false,
    // Git push webhooks are verified against the exact bytes their sender signed.
    rawBody: true,
  });
  // The same function finds WebSocket clients' addresses (RequestAuthenticator), so both agree.
  app.set('trust proxy', config.proxyTrust);
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  // A verified custom domain is the project's site on every path, so it is answered before CORS,
  // the IDE and the API's routes see the request.
  if (config.runsApi) app.use(app.get(CustomDomainsMiddleware).handle);
  if (config.CORS_ORIGINS.length > 0) {
    const any = config.CORS_ORIGINS.includes('*');
    const grants: CorsOptions = {
      origin: any ? true : config.CORS_ORIGINS,
      credentials: !any,
      allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name'],
      maxAge: 600,
    };
    // The queue dashboard grants no other origin anything: its preflights reach its own check.
    app.enableCors((req: Request, callback: (error: Error | null, options: CorsOptions) => void) =>
      callback(null, isUnderQueueDashboard(req.originalUrl ?? req.url) ? { origin: false } : grants),
    );
  }
  if (config.runsApi && config.ideEnabled) app.use(ideRouter(GRAPHQL_PATH));
  if (config.runsApi && config.playgroundEnabled) app.use(playgroundRouter(GRAPHQL_PATH));
  await app.init();
  // Unique indexes carry invariants (one email per account, one slug per owner): serve only
  // once they exist.
  const connection = app.get<Connection>(getConnectionToken());
  await Promise.all(connection.modelNames().map((name) => connection.model(name).init()));
  return app;
}

/** Starts listening and prints where. */
export async function startApp(config: AppConfig): Promise<INestApplication> {
  const app = await createApp(config);
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address() as { port: number } | null;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const logger = new Logger('Slipway');
  if (config.runsApi) {
    logger.log(
      `GraphQL API: http://${host}:${address?.port ?? config.PORT}${GRAPHQL_PATH} (role ${config.PROCESS_ROLE})`,
    );
  } else {
    logger.log(`Worker running; health at http://${host}:${address?.port ?? config.PORT}/healthz`);
  }
  return app;
}
