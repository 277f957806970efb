import type { GraphQLResponse } from '../graphql-client';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export interface BuildSettings {
  projectId: string;
  repositoryUrl: string | null;
  rootDirectory: string;
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string | null;
  timeoutSeconds: number;
  spaFallback: boolean;
  cacheDirectories: string[];
}

export type UpdateBuildSettingsInput = { projectId: string } & Partial<Omit<BuildSettings, 'projectId'>>;

export interface BuildStep {
  name: string;
  status: string;
  exitCode: number | null;
  durationMs: number | null;
}

export interface Build {
  id: string;
  projectId: string;
  branch: string;
  commitSha: string | null;
  commitMessage: string | null;
  status: string;
  error: string | null;
  steps: BuildStep[];
  detected: {
    framework: string;
    packageManager: string | null;
    installCommand: string | null;
    buildCommand: string | null;
    outputDirectory: string;
  } | null;
  cache: {
    status: 'HIT' | 'MISS' | 'SKIPPED';
    key: string | null;
    lockfiles: string[];
    directories: string[];
    reason: string | null;
    restoredBytes: number | null;
    savedBytes: number | null;
  } | null;
  logLines: number;
  deploymentId: string | null;
  retryOf: string | null;
  attempt: number;
}

export interface BuildLogLine {
  seq: number;
  stream: string;
  step: string;
  text: string;
}

const SETTINGS_FIELDS =
  'projectId repositoryUrl rootDirectory installCommand buildCommand outputDirectory timeoutSeconds spaFallback cacheDirectories';
const BUILD_FIELDS = `id projectId branch commitSha commitMessage status error logLines retryOf attempt deploymentId
  steps { name status exitCode durationMs }
  detected { framework packageManager installCommand buildCommand outputDirectory }
  cache { status key lockfiles directories reason restoredBytes savedBytes }`;

export interface BuildCacheStats {
  entries: number;
  sizeBytes: number;
  hits: number;
  misses: number;
  hitRate: number | null;
  lastUsedAt: string | null;
}

export const BUILD_CACHE_STATS = `query ($projectId: ID!) {
  buildCacheStats(projectId: $projectId) { entries sizeBytes hits misses hitRate lastUsedAt }
}`;
export const CLEAR_BUILD_CACHE = `mutation ($input: ProjectRefInput!) { clearBuildCache(input: $input) { entries sizeBytes } }`;

export const UPDATE_BUILD_SETTINGS = `mutation ($input: UpdateBuildSettingsInput!) { updateBuildSettings(input: $input) { ${SETTINGS_FIELDS} } }`;
export const BUILD_SETTINGS = `query ($projectId: ID!) { buildSettings(projectId: $projectId) { ${SETTINGS_FIELDS} } }`;
export const CREATE_BUILD = `mutation ($input: CreateBuildInput!) { createBuild(input: $input) { ${BUILD_FIELDS} } }`;
export const CANCEL_BUILD = `mutation ($input: BuildRefInput!) { cancelBuild(input: $input) { ${BUILD_FIELDS} } }`;
export const RETRY_BUILD = `mutation ($input: BuildRefInput!) { retryBuild(input: $input) { ${BUILD_FIELDS} } }`;
export const BUILD = `query ($id: ID!) { build(id: $id) { ${BUILD_FIELDS} } }`;
export const BUILDS = `query ($projectId: ID!, $status: BuildStatus, $branch: String, $first: Int, $after: String) {
  builds(projectId: $projectId, status: $status, branch: $branch, first: $first, after: $after) {
    edges { node { ${BUILD_FIELDS} } }
    ${PAGE_INFO_FIELDS}
  }
}`;
export const BUILD_LOGS = `query ($buildId: ID!, $afterSeq: Int, $first: Int) {
  buildLogs(buildId: $buildId, afterSeq: $afterSeq, first: $first) { seq stream step text }
}`;

export interface BuildOperations {
  updateSettings(
    token: string | undefined,
    input: UpdateBuildSettingsInput,
  ): Promise<GraphQLResponse<{ updateBuildSettings: BuildSettings }>>;
  settings(
    token: string | undefined,
    args: { projectId: string },
  ): Promise<GraphQLResponse<{ buildSettings: BuildSettings }>>;
  create(
    token: string | undefined,
    input: { projectId: string; branch?: string; commitSha?: string; supersedeQueued?: boolean },
  ): Promise<GraphQLResponse<{ createBuild: Build }>>;
  get(token: string | undefined, args: { id: string }): Promise<GraphQLResponse<{ build: Build }>>;
  cancel(token: string | undefined, input: { buildId: string }): Promise<GraphQLResponse<{ cancelBuild: Build }>>;
  retry(token: string | undefined, input: { buildId: string }): Promise<GraphQLResponse<{ retryBuild: Build }>>;
  list(
    token: string | undefined,
    args: { projectId: string; status?: string; branch?: string } & PageArgs,
  ): Promise<GraphQLResponse<{ builds: Connection<Build> }>>;
  logs(
    token: string | undefined,
    args: { buildId: string; afterSeq?: number; first?: number },
  ): Promise<GraphQLResponse<{ buildLogs: BuildLogLine[] }>>;
  deployments(
    token: string | undefined,
    args: { projectId: string; environment?: string },
  ): Promise<GraphQLResponse<{ deployments: Connection<Deployment> }>>;
  deployment(token: string | undefined, args: { id: string }): Promise<GraphQLResponse<{ deployment: Deployment }>>;
  cacheStats(
    token: string | undefined,
    args: { projectId: string },
  ): Promise<GraphQLResponse<{ buildCacheStats: BuildCacheStats }>>;
  clearCache(
    token: string | undefined,
    input: { projectId: string },
  ): Promise<GraphQLResponse<{ clearBuildCache: { entries: number; sizeBytes: number } }>>;
  promote(
    token: string | undefined,
    input: { deploymentId: string },
  ): Promise<GraphQLResponse<{ promoteDeployment: Deployment }>>;
  rollback(
    token: string | undefined,
    input: { projectId: string },
  ): Promise<GraphQLResponse<{ rollbackDeployment: Deployment }>>;
}

export function buildOperations(send: Send): BuildOperations {
  return {
    updateSettings: (token, input) => send(UPDATE_BUILD_SETTINGS, { input }, token),
    settings: (token, args) => send(BUILD_SETTINGS, { ...args }, token),
    create: (token, input) => send(CREATE_BUILD, { input }, token),
    get: (token, args) => send(BUILD, { ...args }, token),
    cancel: (token, input) => send(CANCEL_BUILD, { input }, token),
    retry: (token, input) => send(RETRY_BUILD, { input }, token),
    list: (token, args) => send(BUILDS, { ...args }, token),
    logs: (token, args) => send(BUILD_LOGS, { ...args }, token),
    deployments: (token, args) => send(DEPLOYMENTS, { ...args }, token),
    deployment: (token, args) => send(DEPLOYMENT, { ...args }, token),
    cacheStats: (token, args) => send(BUILD_CACHE_STATS, { ...args }, token),
    clearCache: (token, input) => send(CLEAR_BUILD_CACHE, { input }, token),
    promote: (token, input) => send(PROMOTE_DEPLOYMENT, { input }, token),
    rollback: (token, input) => send(ROLLBACK_DEPLOYMENT, { input }, token),
  };
}

export const BUILD_LOG_STREAM = `subscription ($buildId: ID!, $afterSeq: Int) {
  buildLogs(buildId: $buildId, afterSeq: $afterSeq) { lines { seq stream step text } finished status }
}`;

export interface BuildLogBatch {
  lines: BuildLogLine[];
  finished: boolean;
  status: string | null;
}

export interface Deployment {
  id: string;
  projectId: string;
  buildId: string;
  environment: string;
  branch: string;
  commitSha: string | null;
  checksum: string;
  sizeBytes: number;
  fileCount: number;
  url: string;
  isProduction: boolean;
}

const DEPLOYMENT_FIELDS =
  'id projectId buildId environment branch commitSha checksum sizeBytes fileCount url isProduction';
export const DEPLOYMENTS = `query ($projectId: ID!, $environment: DeploymentEnvironment) {
  deployments(projectId: $projectId, environment: $environment) { edges { node { ${DEPLOYMENT_FIELDS} } } }
}`;
export const DEPLOYMENT = `query ($id: ID!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`;
export const PROMOTE_DEPLOYMENT = `mutation ($input: DeploymentRefInput!) { promoteDeployment(input: $input) { ${DEPLOYMENT_FIELDS} } }`;
export const ROLLBACK_DEPLOYMENT = `mutation ($input: RollbackDeploymentInput!) { rollbackDeployment(input: $input) { ${DEPLOYMENT_FIELDS} } }`;
