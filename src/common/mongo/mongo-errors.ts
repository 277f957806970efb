/** True for MongoDB's duplicate-key error (code 11000), however the driver wrapped it. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
