/** The queue builds wait in until a worker runs them. */
export const BUILDS_QUEUE = 'builds';

export enum BuildJob {
  RUN = 'run',
}

export interface BuildJobPayloads {
  [BuildJob.RUN]: { buildId: string };
}
