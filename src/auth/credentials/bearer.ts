import { AuthException, AuthExceptionReason } from '../auth.exception';

type ConnectionParams = Record<string, unknown> | undefined | null;

/** The credential in an `Authorization` header; undefined when there is none. */
export function bearerFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The Authorization header must be `Bearer <token>`');
  }
  return match[1];
}

/** The credential in WebSocket connection params: `{ authorization: 'Bearer …' }`, `{ headers: … }` or `{ authToken }`. */
export function bearerFromConnectionParams(params: ConnectionParams): string | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const headers = (params.headers ?? {}) as Record<string, unknown>;
  const candidates = [
    params.authorization,
    params.Authorization,
    headers.authorization,
    headers.Authorization,
    params.authToken,
    params.token,
  ];
  for (const value of candidates) {
    if (typeof value === 'string' && value.trim() !== '') return value.replace(/^Bearer\s+/i, '').trim();
  }
  return undefined;
}
