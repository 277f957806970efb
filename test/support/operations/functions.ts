import type { GraphQLResponse } from '../graphql-client';
import type { Connection, Send } from './shared';

export interface FunctionFile {
  path: string;
  content: string;
}

export interface ServerlessFunction {
  id: string;
  projectId: string;
  name: string;
  runtime: string | null;
  handler: string | null;
  timeoutSeconds: number;
  memoryMb: number;
  network: 'INTERNET' | 'NONE';
  envKeys: string[];
  enabled: boolean;
  activeVersionId: string | null;
  activeVersion: number | null;
  latestVersion: number;
  minWarmInstances: number | null;
  maxConcurrency: number | null;
  http: { enabled: boolean; auth: 'PUBLIC' | 'TOKEN'; path: string };
  schedules: Array<{ cron: string; timezone: string }>;
  eventTriggers: string[];
}

export interface FunctionVersion {
  id: string;
  functionId: string;
  number: number;
  hash: string;
  runtime: string;
  handler: string;
  sizeBytes: number;
  active: boolean;
  files: Array<{ path: string; sizeBytes: number; content: string }>;
}

export interface FunctionInvocation {
  id: string;
  functionId: string;
  version: number | null;
  mode: 'SYNC' | 'ASYNC';
  trigger: 'API' | 'HTTP' | 'CRON' | 'EVENT' | 'TEST';
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'MEMORY_LIMIT_EXCEEDED';
  result: unknown;
  error: { type: string; message: string; stack: string } | null;
  logs: Array<{ stream: string; text: string; at: string }>;
  logsTruncated: boolean;
  durationMs: number | null;
  coldStart: boolean;
  coldStartMs: number | null;
  peakMemoryBytes: number | null;
  cpuTimeMs: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface FunctionRuntimeInfo {
  id: string;
  language: string;
  promised: boolean;
  available: boolean;
  version: string | null;
  reason: string | null;
}

export interface FunctionMetrics {
  invocations: number;
  errors: number;
  errorRate: number | null;
  averageDurationMs: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  p99DurationMs: number | null;
  coldStarts: number;
  coldStartRate: number | null;
  averageColdStartMs: number | null;
}

export const FUNCTION_FIELDS = `id projectId name runtime handler timeoutSeconds memoryMb network envKeys enabled
  activeVersionId activeVersion latestVersion minWarmInstances maxConcurrency http { enabled auth path }
  schedules { cron timezone } eventTriggers`;
export const VERSION_FIELDS =
  'id functionId number hash runtime handler sizeBytes active files { path sizeBytes content }';
export const INVOCATION_FIELDS = `id functionId version mode trigger status result error { type message stack }
  logs { stream text at } logsTruncated durationMs coldStart coldStartMs peakMemoryBytes cpuTimeMs createdAt startedAt finishedAt`;
const METRICS_FIELDS = `invocations errors errorRate averageDurationMs p50DurationMs p95DurationMs p99DurationMs
  coldStarts coldStartRate averageColdStartMs`;

export const FUNCTION_RUNTIMES = 'query { runtimes { id language promised available version reason } }';
export const CREATE_FUNCTION = `mutation ($input: CreateFunctionInput!) { createFunction(input: $input) { ${FUNCTION_FIELDS} } }`;
export const UPDATE_FUNCTION = `mutation ($input: UpdateFunctionInput!) { updateFunction(input: $input) { ${FUNCTION_FIELDS} } }`;
export const DELETE_FUNCTION = `mutation ($input: FunctionRefInput!) { deleteFunction(input: $input) { ${FUNCTION_FIELDS} } }`;
export const TOGGLE_FUNCTION = `mutation ($input: ToggleFunctionInput!) { toggleFunction(input: $input) { ${FUNCTION_FIELDS} } }`;
export const UPDATE_FUNCTION_CODE = `mutation ($input: UpdateFunctionCodeInput!) { updateFunctionCode(input: $input) { ${VERSION_FIELDS} } }`;
export const DEPLOY_FUNCTION = `mutation ($input: DeployFunctionInput!) { deployFunction(input: $input) { ${FUNCTION_FIELDS} } }`;
export const ROLLBACK_FUNCTION = `mutation ($input: RollbackFunctionInput!) { rollbackFunction(input: $input) { ${FUNCTION_FIELDS} } }`;
export const INVOKE_FUNCTION = `mutation ($input: InvokeFunctionInput!) { invokeFunction(input: $input) { ${INVOCATION_FIELDS} } }`;
export const TEST_FUNCTION = `mutation ($input: TestFunctionInput!) { testFunction(input: $input) { ${INVOCATION_FIELDS} } }`;
export const FUNCTIONS = `query ($projectId: ID!, $first: Int, $after: String) {
  functions(projectId: $projectId, first: $first, after: $after) { totalCount edges { node { ${FUNCTION_FIELDS} } } }
}`;
export const FUNCTION = `query ($id: ID!) { function(id: $id) { ${FUNCTION_FIELDS} } }`;
export const FUNCTION_VERSIONS = `query ($functionId: ID!, $first: Int) {
  functionVersions(functionId: $functionId, first: $first) { totalCount edges { node { ${VERSION_FIELDS} } } }
}`;
export const INVOCATION = `query ($id: ID!) { invocation(id: $id) { ${INVOCATION_FIELDS} } }`;
export const EXECUTION_LOGS = `query ($functionId: ID!, $status: InvocationStatus, $trigger: InvocationTrigger, $search: String,
  $from: DateTime, $to: DateTime, $first: Int, $after: String) {
  executionLogs(functionId: $functionId, status: $status, trigger: $trigger, search: $search, from: $from, to: $to,
    first: $first, after: $after) { totalCount edges { node { ${INVOCATION_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
export const FUNCTION_METRICS = `query ($functionId: ID!, $from: DateTime!, $to: DateTime!) {
  functionMetrics(functionId: $functionId, from: $from, to: $to) { ${METRICS_FIELDS} }
}`;
export const FUNCTION_ANALYTICS = `query ($functionId: ID!, $days: Int) {
  functionAnalytics(functionId: $functionId, days: $days) {
    daily { start metrics { ${METRICS_FIELDS} } } hourly { start metrics { ${METRICS_FIELDS} } }
  }
}`;
export const INVOCATION_COMPLETED = `subscription ($functionId: ID!) { invocationCompleted(functionId: $functionId) { ${INVOCATION_FIELDS} } }`;

type R<T> = Promise<GraphQLResponse<T>>;
type Vars = Record<string, unknown>;

export interface FunctionOperations {
  runtimes(token: string | undefined): R<{ runtimes: FunctionRuntimeInfo[] }>;
  create(token: string | undefined, input: Vars): R<{ createFunction: ServerlessFunction }>;
  update(token: string | undefined, input: Vars): R<{ updateFunction: ServerlessFunction }>;
  delete(token: string | undefined, input: { functionId: string }): R<{ deleteFunction: ServerlessFunction }>;
  toggle(
    token: string | undefined,
    input: { functionId: string; enabled: boolean },
  ): R<{ toggleFunction: ServerlessFunction }>;
  updateCode(token: string | undefined, input: Vars): R<{ updateFunctionCode: FunctionVersion }>;
  deploy(
    token: string | undefined,
    input: { functionId: string; versionId: string },
  ): R<{ deployFunction: ServerlessFunction }>;
  rollback(
    token: string | undefined,
    input: { functionId: string; versionId?: string },
  ): R<{ rollbackFunction: ServerlessFunction }>;
  invoke(token: string | undefined, input: Vars): R<{ invokeFunction: FunctionInvocation }>;
  test(token: string | undefined, input: Vars): R<{ testFunction: FunctionInvocation }>;
  list(
    token: string | undefined,
    args: { projectId: string; first?: number },
  ): R<{ functions: Connection<ServerlessFunction> }>;
  get(token: string | undefined, args: { id: string }): R<{ function: ServerlessFunction }>;
  versions(
    token: string | undefined,
    args: { functionId: string; first?: number },
  ): R<{ functionVersions: Connection<FunctionVersion> }>;
  invocation(token: string | undefined, args: { id: string }): R<{ invocation: FunctionInvocation }>;
  logs(token: string | undefined, args: Vars): R<{ executionLogs: Connection<FunctionInvocation> }>;
  metrics(
    token: string | undefined,
    args: { functionId: string; from: string; to: string },
  ): R<{ functionMetrics: FunctionMetrics }>;
  analytics(
    token: string | undefined,
    args: { functionId: string; days?: number },
  ): R<{
    functionAnalytics: {
      daily: Array<{ start: string; metrics: FunctionMetrics }>;
      hourly: Array<{ start: string; metrics: FunctionMetrics }>;
    };
  }>;
}

export function functionOperations(send: Send): FunctionOperations {
  return {
    runtimes: (token) => send(FUNCTION_RUNTIMES, {}, token),
    create: (token, input) => send(CREATE_FUNCTION, { input }, token),
    update: (token, input) => send(UPDATE_FUNCTION, { input }, token),
    delete: (token, input) => send(DELETE_FUNCTION, { input }, token),
    toggle: (token, input) => send(TOGGLE_FUNCTION, { input }, token),
    updateCode: (token, input) => send(UPDATE_FUNCTION_CODE, { input }, token),
    deploy: (token, input) => send(DEPLOY_FUNCTION, { input }, token),
    rollback: (token, input) => send(ROLLBACK_FUNCTION, { input }, token),
    invoke: (token, input) => send(INVOKE_FUNCTION, { input }, token),
    test: (token, input) => send(TEST_FUNCTION, { input }, token),
    list: (token, args) => send(FUNCTIONS, { ...args }, token),
    get: (token, args) => send(FUNCTION, { ...args }, token),
    versions: (token, args) => send(FUNCTION_VERSIONS, { ...args }, token),
    invocation: (token, args) => send(INVOCATION, { ...args }, token),
    logs: (token, args) => send(EXECUTION_LOGS, { ...args }, token),
    metrics: (token, args) => send(FUNCTION_METRICS, { ...args }, token),
    analytics: (token, args) => send(FUNCTION_ANALYTICS, { ...args }, token),
  };
}
