import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { execute, GraphQLError, subscribe, type ExecutionResult } from 'graphql';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { SubscriptionServer as LegacySubscriptionServer, GRAPHQL_WS } from 'subscriptions-transport-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { RequestAuthenticator } from '../auth/request-authenticator';
import { unreachableServiceOf } from '../common/availability/backing-services';
import type { GraphQLContext } from '../common/context/graphql-context';
import { ErrorCode } from '../common/errors/error-code';
import { formatGraphQLError } from '../common/graphql/format-error';
import { operationLimitRules } from '../common/graphql/operation-limits';
import { AppConfig } from '../config/app-config';
import { checkDocument, withCode } from './document-limits';

const UNAVAILABLE_ON_CONNECT = 'SERVICE_UNAVAILABLE: the service cannot check credentials right now; try again shortly';

export const GRAPHQL_PATH = '/graphql';

type ConnectionParams = Record<string, unknown> | undefined | null;

/** How long a client has to answer the close frame before its socket is cut. */
const CLOSE_HANDSHAKE_MS = 3_000;

/** Closes with 1001 (going away) and resolves once the socket is closed, cutting it after the handshake time. */
function closeGoingAway(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1001, 'Server shutting down');
  });
}

/**
 * Serves GraphQL subscriptions on the API's own HTTP server at /graphql, in both protocols:
 * `graphql-transport-ws` (graphql-ws, current clients and the IDE) and the legacy `graphql-ws`
 * protocol of subscriptions-transport-ws (GraphQL Playground and older Apollo clients).
 * Connections authenticate once, from their connection params.
 */
@Injectable()
export class SubscriptionServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SubscriptionServer.name);
  private modern?: WebSocketServer;
  private legacy?: WebSocketServer;
  private disposeModern?: () => void | Promise<void>;
  private legacyServer?: LegacySubscriptionServer;
  private upgradeListener?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly authenticator: RequestAuthenticator,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const schema = this.schemaHost.schema;
    const options = {
      development: this.config.NODE_ENV === 'development',
      suggestions: this.config.fieldSuggestionsEnabled,
    };
    const rules = operationLimitRules(this.config);
    const check = (query: unknown, operationName?: string | null) =>
      checkDocument(schema, rules, this.config.GRAPHQL_MAX_TOKENS, query, operationName);
    const format = (e: GraphQLError): GraphQLError => {
      const f = formatGraphQLError(e.toJSON(), e, options);
      return new GraphQLError(f.message, {
        nodes: e.nodes,
        source: e.source,
        positions: e.positions,
        path: f.path,
        extensions: f.extensions,
      });
    };
    const formatResult = (result: ExecutionResult): ExecutionResult =>
      result.errors
        ? {
            ...result,
            errors: result.errors.map((e) =>
              // A result without data failed before execution began (its variables or operation name):
              // those errors are the client's, as Apollo codes them over HTTP. Field errors have a path.
              format(!('data' in result) && !e.path && !e.extensions.code ? withCode(e, ErrorCode.BAD_USER_INPUT) : e),
            ),
          }
        : result;

    this.modern = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) =>
        protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false,
    });
    const server = useServer<Record<string, unknown>, { context?: GraphQLContext; request: IncomingMessage }>(
      {
        schema,
        execute,
        subscribe,
        // Parsed and validated here rather than by graphql-ws, so that a broken document fails its
        // own operation (graphql-ws would close the whole socket) and every limit applies.
        onSubscribe: (_c, _id, payload) => {
          const checked = check(payload.query, payload.operationName);
          if ('errors' in checked) return [...checked.errors];
          return {
            schema,
            document: checked.document,
            operationName: payload.operationName,
            variableValues: payload.variables,
          };
        },
        context: (c) => this.operationContext(c.extra.context!),
        onConnect: async (c) => {
          try {
            c.extra.context = await this.connectionContext(c.connectionParams, c.extra.request);
            return true;
          } catch (error) {
            // A database that does not answer is no reason to call the credential bad: 1013 is "try again later".
            if (unreachableServiceOf(error)) c.extra.socket.close(1013, UNAVAILABLE_ON_CONNECT);
            return false;
          }
        },
        onError: (_c, _id, _payload, errors) => errors.map(format),
        onNext: (_c, _id, _payload, _args, result) => formatResult(result as ExecutionResult),
      },
      this.modern,
    );
    this.disposeModern = () => server.dispose();

    this.legacy = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has(GRAPHQL_WS) ? GRAPHQL_WS : false),
    });
    this.legacyServer = LegacySubscriptionServer.create(
      {
        schema,
        execute: (...args: Parameters<typeof execute>) => execute(...args),
        subscribe: (...args: Parameters<typeof subscribe>) => subscribe(...args),
        // onOperation has checked the document already, with the same rules as every transport.
        validationRules: [],
        onConnect: async (params: ConnectionParams, _socket: WebSocket, connection: { request: IncomingMessage }) => {
          try {
            return await this.connectionContext(params, connection.request);
          } catch (error) {
            if (unreachableServiceOf(error)) throw new Error(UNAVAILABLE_ON_CONNECT, { cause: error });
            // The reason stays on the server: a client learns only that its credential was refused.
            // eslint-disable-next-line preserve-caught-error
            throw new Error('Authentication failed: the access token is not valid or has expired');
          }
        },
        onOperation: async (_message: unknown, params: Record<string, unknown>, socket: WebSocket) => {
          const checked = check(params.query, params.operationName as string | null | undefined);
          // subscriptions-transport-ws answers errors thrown with this shape as the operation's data.
          if ('errors' in checked)
            throw Object.assign(new Error('Invalid operation'), { errors: checked.errors.map(format) });
          // It parses `params.query` itself when it is a string, and takes a document as it is.
          params.query = checked.document;
          const context = await this.operationContext(params.context as GraphQLContext);
          // A socket that closed meanwhile has already stopped its operations; one started now would never be.
          if (socket.readyState !== socket.OPEN) throw new Error('The connection closed');
          return {
            ...params,
            context,
            formatResponse: (value: ExecutionResult) => formatResult(value),
            formatError: (e: GraphQLError) => formatGraphQLError(e.toJSON?.() ?? { message: e.message }, e, options),
          };
        },
      },
      this.legacy,
    );

    this.upgradeListener = (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      // Nothing else here speaks WebSocket: an upgrade anywhere else would otherwise hold its socket open forever.
      if (path !== GRAPHQL_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nNot Found\r\n', () =>
          socket.destroy(),
        );
        return;
      }
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim());
      const target = offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)
        ? this.modern
        : offered.includes(GRAPHQL_WS)
          ? this.legacy
          : undefined;
      if (!target) {
        socket.end(
          'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nUse the graphql-transport-ws or graphql-ws subprotocol\r\n',
        );
        return;
      }
      target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req));
    };
    httpServer.on('upgrade', this.upgradeListener);
  }

  /**
   * On module destroy, not later: Apollo stops when GraphQLModule is destroyed, which comes after
   * AppModule's own providers such as this one, and its drain ends every idle socket of the HTTP
   * server, WebSockets included, with no close frame (clients see 1006) and under sockets still in
   * use. So subscribers are told first, with 1001 (going away), and their subscriptions end while
   * Redis and MongoDB are still open; requests in flight are then answered by Apollo's drain.
   */
  async onModuleDestroy(): Promise<void> {
    const httpServer = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (this.upgradeListener) httpServer?.off('upgrade', this.upgradeListener);
    const sockets = [...(this.modern?.clients ?? []), ...(this.legacy?.clients ?? [])];
    await Promise.all(sockets.map((ws) => closeGoingAway(ws)));
    await this.disposeModern?.();
    this.legacyServer?.close();
    await Promise.all(
      [this.modern, this.legacy].map(
        (wss) => new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve())),
      ),
    );
    this.logger.log('Subscription server closed');
  }

  /** Connections authenticate once, from their connection params; a refused credential refuses the connection. */
  private async connectionContext(params: ConnectionParams, req: IncomingMessage): Promise<GraphQLContext> {
    return { ctx: await this.authenticator.authenticateConnection(params, req), transport: 'ws' };
  }

  /**
   * Each operation gets a context of its own, and its caller is re-checked: the connection may
   * have outlived the credential's expiry or its session.
   */
  private async operationContext(connection: GraphQLContext): Promise<GraphQLContext> {
    const ctx = connection.ctx.forOperation();
    const failure = await this.authenticator.revalidateOperation(ctx);
    // As over HTTP: a refused credential makes the caller anonymous; operations that need one fail with it.
    return failure ? { transport: 'ws', ctx: ctx.asAnonymous(), failure } : { transport: 'ws', ctx };
  }
}
