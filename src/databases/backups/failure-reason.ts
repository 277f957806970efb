import { AppException } from '../../common/errors/app.exception';

const MAX_LENGTH = 500;

/**
 * What a failed backup or restore records of its error, for the database's owner to read: the
 * message with every secret given (the database's password) and every URL's credentials masked,
 * shortened. Never holds a credential.
 */
export function failureReason(error: unknown, secrets: readonly string[] = []): string {
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) if (secret.length >= 4) message = message.split(secret).join('***');
  message = message
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@')
    .replace(/(password|pwd|pass)(\s*[=:]\s*)\S+/gi, '$1$2***');
  message = message.trim() || 'unknown error';
  return message.length > MAX_LENGTH ? `${message.slice(0, MAX_LENGTH - 1)}…` : message;
}

/** The stable reason of a failure (BACKUP_CORRUPT, …) when the error carries one. */
export function failureCode(error: unknown): string | null {
  return error instanceof AppException ? String(error.reason) : null;
}

/**
 * What of the operator's admin connection must never reach a failure reason (nor the webhooks
 * that carry it): the URL itself, where the server is (host, name, port as programs write them)
 * and the admin's password. Client programs connect there and name it in their errors.
 */
export function adminSecrets(adminUrl: string | undefined): string[] {
  if (!adminUrl) return [];
  const secrets = [adminUrl];
  if (!URL.canParse(adminUrl)) return secrets;
  const url = new URL(adminUrl);
  if (url.password) secrets.push(decodeURIComponent(url.password));
  if (url.host) secrets.push(url.host);
  if (url.port) secrets.push(`port ${url.port}`, `port=${url.port}`, `:${url.port}`);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (hostname) secrets.push(hostname);
  return secrets;
}
