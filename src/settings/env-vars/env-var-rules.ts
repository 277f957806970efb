/** POSIX environment variable names: letters, digits and `_`, not starting with a digit. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_BYTES = 64 * 1024;

/** Why `key` cannot name a variable, or null when it can. */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'the name is empty';
  if (key.length > MAX_KEY_LENGTH) return `the name is longer than ${MAX_KEY_LENGTH} characters`;
  if (!NAME.test(key)) return `${key} is not a valid name (letters, digits and _, not starting with a digit)`;
  return null;
}

/** Why `value` cannot be stored, or null when it can. */
export function valueProblem(value: string): string | null {
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) return `the value is larger than ${MAX_VALUE_BYTES / 1024} KiB`;
  if (value.includes('\0')) return 'the value contains a NUL character';
  return null;
}
