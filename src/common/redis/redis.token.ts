/** Injection token of the process's general-purpose Redis connection. */
export const REDIS = Symbol('REDIS');
