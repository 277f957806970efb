/** The queue asynchronous invocations and cron triggers wait in until a worker runs them. */
export const FUNCTIONS_QUEUE = 'functions';

export enum FunctionJob {
  /** Runs one queued invocation (invokeFunction ASYNC, an event trigger). */
  INVOKE = 'invoke',
  /** A cron schedule fired: queues an invocation of the function. */
  SCHEDULE = 'schedule',
}

export interface FunctionJobPayloads {
  [FunctionJob.INVOKE]: { invocationId: string };
  [FunctionJob.SCHEDULE]: { functionId: string; cron: string; timezone: string };
}

/** The PubSub trigger on which a function's finished invocations are published. */
export const invocationsTrigger = (functionId: string): string => `function-invocations:${functionId}`;
