import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NestFactory } from '@nestjs/core';
import {
  GraphQLSchemaBuilderModule,
  GraphQLSchemaFactory,
  Mutation,
  Query,
  RESOLVER_NAME_METADATA,
  RESOLVER_TYPE_METADATA,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import type { GraphQLObjectType } from 'graphql';
import { ACCESS_METADATA, Authenticated, Public, RequirePermission, type AccessDeclaration } from './access.decorators';

/**
 * Every GraphQL operation must say who may call it; the guard closes the ones that do not. This
 * spec finds every resolver in `src`, lists each operation's declaration and snapshots the list,
 * so that a permission change shows up as a diff to review.
 */

const SRC = join(__dirname, '..');
const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'] as const;
type RootType = (typeof ROOT_TYPES)[number];

interface Operation {
  type: RootType;
  field: string;
  resolver: string;
  access: AccessDeclaration | undefined;
}

type Constructor = abstract new (...args: never[]) => unknown;

function resolverFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return resolverFiles(path);
    return entry.name.endsWith('.resolver.ts') ? [path] : [];
  });
}

const isClass = (value: unknown): value is Constructor =>
  typeof value === 'function' && typeof (value as { prototype?: unknown }).prototype === 'object';

/**
 * The Query/Mutation/Subscription handlers of a resolver class, including inherited ones, with
 * the declaration the guard would see: the handler's own, else the class's
 * (`reflector.getAllAndOverride([handler, class])`).
 */
function operationsOf(resolver: Constructor): Operation[] {
  const classAccess = Reflect.getMetadata(ACCESS_METADATA, resolver) as AccessDeclaration | undefined;
  const seen = new Set<string>();
  const operations: Operation[] = [];
  for (
    let proto = resolver.prototype as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const method of Object.getOwnPropertyNames(proto)) {
      if (method === 'constructor' || seen.has(method)) continue;
      seen.add(method);
      const handler = Object.getOwnPropertyDescriptor(proto, method)?.value as unknown;
      if (typeof handler !== 'function') continue;
      const type = Reflect.getMetadata(RESOLVER_TYPE_METADATA, handler) as unknown;
      if (!ROOT_TYPES.includes(type as RootType)) continue;
      operations.push({
        type: type as RootType,
        field: (Reflect.getMetadata(RESOLVER_NAME_METADATA, handler) as string | undefined) ?? method,
        resolver: resolver.name,
        access: (Reflect.getMetadata(ACCESS_METADATA, handler) as AccessDeclaration | undefined) ?? classAccess,
      });
    }
  }
  return operations;
}

/** `public`, `authenticated` or `permission:<perm>`, with where the guard finds the project. */
function describeAccess(access: AccessDeclaration | undefined): string {
  if (!access) return 'MISSING';
  switch (access.kind) {
    case 'public':
    case 'authenticated':
      return access.kind;
    case 'permission': {
      const where =
        'projectIdArg' in access.locate
          ? `project ${access.locate.projectIdArg}`
          : `project of ${access.locate.entity} ${access.locate.idArg}`;
      return `permission:${access.permission} [${where}]`;
    }
  }
}

const missingOf = (operations: Operation[]): string[] =>
  operations.filter((op) => !op.access).map((op) => `${op.type}.${op.field}`);

describe('access declarations of GraphQL operations', () => {
  let resolvers: Constructor[];
  let operations: Operation[];

  beforeAll(async () => {
    resolvers = [];
    for (const file of resolverFiles(SRC)) {
      const exported = Object.values((await import(file)) as Record<string, unknown>).filter(isClass);
      const found = exported.filter((cls) => operationsOf(cls).length > 0);
      // A resolver of fields only (no Query, Mutation or Subscription) checks access in its fields.
      const fieldsOnly = found.length === 0 && readFileSync(file, 'utf8').includes('@ResolveField(');
      if (found.length === 0 && !fieldsOnly) {
        throw new Error(`${relative(SRC, file)} exports no class with GraphQL operations`);
      }
      resolvers.push(...found);
    }
    operations = resolvers.flatMap(operationsOf);
  });

  it('finds the resolvers', () => {
    expect(resolvers.map((r) => r.name)).toEqual(
      expect.arrayContaining(['AccessResolver', 'AuditResolver', 'AuthResolver', 'ProjectsResolver']),
    );
    expect(operations.length).toBeGreaterThan(20);
  });

  it('sees exactly the operations of the schema those resolvers build', async () => {
    const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
    try {
      const schema = await app
        .get(GraphQLSchemaFactory)
        .create(resolvers as unknown as Parameters<GraphQLSchemaFactory['create']>[0], {
          dateScalarMode: 'isoDate',
          numberScalarMode: 'float',
        });
      const fields = (root: GraphQLObjectType | null | undefined, type: RootType): string[] =>
        Object.keys(root?.getFields() ?? {}).map((field) => `${type}.${field}`);
      const inSchema = [
        ...fields(schema.getQueryType(), 'Query'),
        ...fields(schema.getMutationType(), 'Mutation'),
        ...fields(schema.getSubscriptionType(), 'Subscription'),
      ];
      expect(operations.map((op) => `${op.type}.${op.field}`).sort()).toEqual(inSchema.sort());
    } finally {
      await app.close();
    }
  });

  it('declares an access rule on every Query, Mutation and Subscription', () => {
    expect(missingOf(operations)).toEqual([]);
  });

  it('grants what it granted when this snapshot was last reviewed', () => {
    const listing = operations
      .map((op) => `${op.type}.${op.field} → ${describeAccess(op.access)}`)
      .sort()
      .join('\n');
    expect(`\n${listing}\n`).toMatchInlineSnapshot(`
     "
     Mutation.acceptInvitation → authenticated
     Mutation.acceptInvitationAsNewUser → public
     Mutation.addDomain → permission:domain:create [project input.projectId]
     Mutation.assignRole → permission:role:assign [project projectId|input.projectId]
     Mutation.cancelBuild → permission:build:cancel [project of build input.buildId]
     Mutation.clearBuildCache → permission:build:update [project input.projectId]
     Mutation.createAlert → permission:alert:create [project input.projectId]
     Mutation.createApiToken → authenticated
     Mutation.createBackup → permission:database:backup [project of database input.databaseId]
     Mutation.createBuild → permission:build:create [project input.projectId]
     Mutation.createBuildHook → permission:build:update [project input.projectId]
     Mutation.createDatabase → permission:database:create [project input.projectId]
     Mutation.createDeployHook → permission:build:update [project input.projectId]
     Mutation.createFunction → permission:function:create [project input.projectId]
     Mutation.createProject → authenticated
     Mutation.createRole → permission:role:create [project projectId|input.projectId]
     Mutation.createWebhook → permission:webhook:create [project input.projectId]
     Mutation.declineInvitation → public
     Mutation.deleteAlert → permission:alert:delete [project of alert input.id]
     Mutation.deleteBackup → permission:database:backup [project of databaseBackup input.backupId]
     Mutation.deleteBuildHook → permission:build:update [project of buildHook input.hookId]
     Mutation.deleteDatabase → permission:database:delete [project of database input.id]
     Mutation.deleteDeployHook → permission:build:update [project of deployHook input.hookId]
     Mutation.deleteEnvVar → permission:env:delete [project input.projectId]
     Mutation.deleteFunction → permission:function:delete [project of function input.functionId]
     Mutation.deleteMetric → permission:metric:delete [project input.projectId]
     Mutation.deleteProject → permission:project:delete [project input.id]
     Mutation.deleteRole → permission:role:delete [project of role input.roleId]
     Mutation.deleteWebhook → permission:webhook:delete [project of webhook input.id]
     Mutation.deployFunction → permission:function:update [project of function input.functionId]
     Mutation.executeQuery → permission:database:query [project of database input.databaseId]
     Mutation.grantPermission → permission:role:assign [project projectId|input.projectId]
     Mutation.importEnvVars → permission:env:update [project input.projectId]
     Mutation.inviteMember → permission:member:invite [project input.projectId]
     Mutation.invokeFunction → permission:function:invoke [project of function input.functionId]
     Mutation.leaveProject → authenticated
     Mutation.login → public
     Mutation.logout → authenticated
     Mutation.muteAlert → permission:alert:update [project of alert input.id]
     Mutation.promoteDeployment → permission:deployment:promote [project of deployment input.deploymentId]
     Mutation.recordMetric → permission:metric:create [project input.projectId]
     Mutation.recordMetrics → permission:metric:create [project input.projectId]
     Mutation.redeliverWebhook → permission:webhook:update [project of webhookDelivery input.deliveryId]
     Mutation.refreshToken → public
     Mutation.register → public
     Mutation.removeDomain → permission:domain:delete [project of domain input.domainId]
     Mutation.removeMember → permission:member:delete [project projectId|input.projectId]
     Mutation.removeRole → permission:role:assign [project projectId|input.projectId]
     Mutation.resendInvitation → permission:member:invite [project of invitation input.id]
     Mutation.resolveAlert → permission:alert:update [project of alert input.id]
     Mutation.restoreBackup → permission:database:restore [project of databaseBackup input.backupId]
     Mutation.retryBuild → permission:build:retry [project of build input.buildId]
     Mutation.revealDatabaseCredentials → permission:database:query [project of database input.id]
     Mutation.revokeApiToken → authenticated
     Mutation.revokeInvitation → permission:member:invite [project of invitation input.id]
     Mutation.revokePermission → permission:role:assign [project projectId|input.projectId]
     Mutation.rollbackDeployment → permission:deployment:rollback [project input.projectId]
     Mutation.rollbackFunction → permission:function:update [project of function input.functionId]
     Mutation.rotateApiToken → authenticated
     Mutation.rotateDatabaseCredentials → permission:database:update [project of database input.id]
     Mutation.rotateGitWebhookSecret → permission:build:update [project input.projectId]
     Mutation.rotateWebhookSecret → permission:webhook:update [project of webhook input.id]
     Mutation.scheduleBackups → permission:database:backup [project of database input.databaseId]
     Mutation.setEnvVar → permission:env:update [project input.projectId]
     Mutation.setPrimaryDomain → permission:domain:update [project of domain input.domainId]
     Mutation.testFunction → permission:function:update [project of function input.functionId]
     Mutation.testWebhook → permission:webhook:update [project of webhook input.id]
     Mutation.toggleFunction → permission:function:update [project of function input.functionId]
     Mutation.transferOwnership → permission:project:delete [project projectId|input.projectId]
     Mutation.unmuteAlert → permission:alert:update [project of alert input.id]
     Mutation.updateAlert → permission:alert:update [project of alert input.id]
     Mutation.updateApiTokenScopes → authenticated
     Mutation.updateAutoscalingSettings → permission:setting:update [project input.projectId]
     Mutation.updateBuildHook → permission:build:update [project of buildHook input.hookId]
     Mutation.updateBuildSettings → permission:build:update [project input.projectId]
     Mutation.updateDatabase → permission:database:update [project of database input.id]
     Mutation.updateDeploymentPreferences → permission:setting:update [project input.projectId]
     Mutation.updateFunction → permission:function:update [project of function input.functionId]
     Mutation.updateFunctionCode → permission:function:update [project of function input.functionId]
     Mutation.updateFunctionDefaults → permission:setting:update [project input.projectId]
     Mutation.updateMemberRole → permission:member:update [project projectId|input.projectId]
     Mutation.updateNotificationPreferences → permission:setting:update [project input.projectId]
     Mutation.updateProject → permission:project:update [project input.id]
     Mutation.updateResourceLimits → permission:setting:update [project input.projectId]
     Mutation.updateRolePermissions → permission:role:update [project of role input.roleId]
     Mutation.updateSecuritySettings → permission:setting:update [project input.projectId]
     Mutation.updateWebhook → permission:webhook:update [project of webhook input.id]
     Mutation.verifyDomain → permission:domain:verify [project of domain input.domainId]
     Query.activity → permission:project:read [project projectId|input.projectId]
     Query.alert → permission:alert:read [project of alert id]
     Query.alertEvents → permission:alert:read [project projectId|input.projectId]
     Query.alerts → permission:alert:read [project projectId|input.projectId]
     Query.apiTokenUsage → authenticated
     Query.apiTokens → authenticated
     Query.auditLogs → permission:audit:read [project projectId|input.projectId]
     Query.backup → permission:database:read [project of databaseBackup id]
     Query.backupSchedule → permission:database:read [project of database databaseId]
     Query.backups → permission:database:read [project of database databaseId]
     Query.build → permission:build:read [project of build id]
     Query.buildAnalytics → permission:build:read [project projectId|input.projectId]
     Query.buildCacheStats → permission:build:read [project projectId|input.projectId]
     Query.buildHooks → permission:build:read [project projectId|input.projectId]
     Query.buildLogs → permission:build:read [project of build buildId]
     Query.buildSettings → permission:build:read [project projectId|input.projectId]
     Query.buildStats → permission:build:read [project projectId|input.projectId]
     Query.builds → permission:build:read [project projectId|input.projectId]
     Query.checkPermission → permission:project:read [project projectId|input.projectId]
     Query.dashboard → permission:metric:read [project projectId|input.projectId]
     Query.database → permission:database:read [project of database id]
     Query.databaseRestore → permission:database:read [project of databaseRestore id]
     Query.databases → permission:database:read [project projectId|input.projectId]
     Query.deployHooks → permission:build:read [project projectId|input.projectId]
     Query.deployment → permission:deployment:read [project of deployment id]
     Query.deployments → permission:deployment:read [project projectId|input.projectId]
     Query.domain → permission:domain:read [project of domain id]
     Query.domains → permission:domain:read [project projectId|input.projectId]
     Query.envVars → permission:env:read [project projectId|input.projectId]
     Query.executionLogs → permission:function:read [project of function functionId]
     Query.exportEnvVars → permission:env:read [project projectId|input.projectId]
     Query.function → permission:function:read [project of function id]
     Query.functionAnalytics → permission:function:read [project of function functionId]
     Query.functionMetrics → permission:function:read [project of function functionId]
     Query.functionVersions → permission:function:read [project of function functionId]
     Query.functions → permission:function:read [project projectId|input.projectId]
     Query.invocation → permission:function:read [project of invocation id]
     Query.listTables → permission:database:read [project of database databaseId]
     Query.me → authenticated
     Query.metricNames → permission:metric:read [project projectId|input.projectId]
     Query.metricSeries → permission:metric:read [project projectId|input.projectId]
     Query.pendingInvitations → permission:member:read [project projectId|input.projectId]
     Query.permissions → authenticated
     Query.project → permission:project:read [project id]
     Query.projectSettings → permission:setting:read [project projectId|input.projectId]
     Query.projects → authenticated
     Query.report → permission:metric:read [project projectId|input.projectId]
     Query.roles → permission:role:read [project projectId|input.projectId]
     Query.runtimes → authenticated
     Query.securitySettings → permission:setting:read [project projectId|input.projectId]
     Query.tableInfo → permission:database:read [project of database databaseId]
     Query.teamMembers → permission:member:read [project projectId|input.projectId]
     Query.userRoles → permission:role:read [project projectId|input.projectId]
     Query.webhook → permission:webhook:read [project of webhook id]
     Query.webhookDeliveries → permission:webhook:read [project of webhook webhookId]
     Query.webhooks → permission:webhook:read [project projectId|input.projectId]
     Subscription.activityAdded → permission:project:read [project projectId|input.projectId]
     Subscription.alertEvents → permission:alert:read [project projectId|input.projectId]
     Subscription.buildLogs → permission:build:read [project of build buildId]
     Subscription.invocationCompleted → permission:function:read [project of function functionId]
     Subscription.projectEvents → permission:project:read [project projectId|input.projectId]
     "
    `);
  });

  describe('the walker itself', () => {
    // Decorators are applied by hand: jest rewrites this file to update the inline snapshot, and
    // the parser it uses for that does not read decorator syntax.
    const decorate = (target: Constructor, method: string, ...decorators: MethodDecorator[]): void => {
      const proto = target.prototype as object;
      Reflect.decorate(decorators, proto, method, Object.getOwnPropertyDescriptor(proto, method));
    };

    class DummyResolver {
      undeclared(): string {
        return '';
      }

      open(): string {
        return '';
      }

      guarded(): string {
        return '';
      }

      helper(): string {
        return '';
      }
    }
    Resolver()(DummyResolver);
    decorate(
      DummyResolver,
      'undeclared',
      Query(() => String),
    );
    decorate(
      DummyResolver,
      'open',
      Query(() => String, { name: 'renamedOpen' }),
      Public(),
    );
    decorate(
      DummyResolver,
      'guarded',
      Mutation(() => String),
      RequirePermission('build:cancel', { entity: 'build', idArg: 'input.buildId' }),
    );

    class ClassLevelResolver {
      inherits(): string {
        return '';
      }
    }
    Reflect.decorate([Resolver(), Authenticated()], ClassLevelResolver);
    decorate(
      ClassLevelResolver,
      'inherits',
      Subscription(() => String),
    );

    class ExtendedResolver extends DummyResolver {
      own(): string {
        return '';
      }
    }
    decorate(
      ExtendedResolver,
      'own',
      Query(() => String),
    );

    it('reports an operation without a declaration, and only that one', () => {
      expect(missingOf(operationsOf(DummyResolver))).toEqual(['Query.undeclared']);
      expect(missingOf(operationsOf(ClassLevelResolver))).toEqual([]);
      expect(missingOf(operationsOf(ExtendedResolver)).sort()).toEqual(['Query.own', 'Query.undeclared']);
    });

    it('describes each declaration under the operation’s schema name', () => {
      const described = [DummyResolver, ClassLevelResolver]
        .flatMap(operationsOf)
        .map((op) => `${op.type}.${op.field} → ${describeAccess(op.access)}`);
      expect(described.sort()).toEqual([
        'Mutation.guarded → permission:build:cancel [project of build input.buildId]',
        'Query.renamedOpen → public',
        'Query.undeclared → MISSING',
        'Subscription.inherits → authenticated',
      ]);
    });
  });
});
