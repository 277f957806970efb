/** The runtimes functions are offered in; a function default names one of them. */
export const FUNCTION_RUNTIMES = [
  'nodejs18',
  'nodejs20',
  'nodejs22',
  'python3.9',
  'python3.11',
  'go1.21',
  'ruby3.2',
] as const;

export type FunctionRuntime = (typeof FUNCTION_RUNTIMES)[number];

export function isFunctionRuntime(value: string): value is FunctionRuntime {
  return (FUNCTION_RUNTIMES as readonly string[]).includes(value);
}
