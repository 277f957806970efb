import { SANDBOX_POLICY } from '../../common/http/sandbox-policy';

/** What an HTTP trigger hands the function: the request, in the shape Lambda's function URLs use. */
export interface HttpEvent {
  method: string;
  /** The path below the function's own address, from `/`. */
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  /** The body as text, or base64 when it is binary (`isBase64Encoded`); null when there is none. */
  body: string | null;
  isBase64Encoded: boolean;
  requestContext: { ip: string | null; time: string };
}

/** What the platform answers with, from what the handler returned. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;
/**
 * What every answer of a function carries, whatever it returns: its page gets an origin of its own
 * (the API's origin is where the GraphQL IDE keeps a visitor's token, out of a page's reach only
 * when the page is sandboxed, as deployments' pages are), and its content type is taken as given.
 */
export const FUNCTION_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': SANDBOX_POLICY,
  'x-content-type-options': 'nosniff',
};

/** Headers the platform sets itself, or that only mean something between two hops. */
const RESERVED_HEADERS = new Set([
  ...Object.keys(FUNCTION_RESPONSE_HEADERS),
  'content-security-policy-report-only',
  'set-cookie',
  'x-slipway-invocation-id',
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function isTextual(contentType: string | undefined): boolean {
  return !contentType || TEXTUAL.test(contentType);
}

/**
 * The handler's return value as a response. An object with a numeric `statusCode` is taken as the
 * response itself (`headers`, `body`, `isBase64Encoded`), as Lambda's function URLs and most
 * platforms do; anything else is sent as JSON with status 200.
 */
export function replyFrom(result: unknown): HttpReply {
  if (isStructured(result)) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      const key = name.toLowerCase();
      if (
        !RESERVED_HEADERS.has(key) &&
        /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(key) &&
        value !== null &&
        value !== undefined
      ) {
        headers[key] = String(value).replace(/[\r\n]/g, ' ');
      }
    }
    let body: Buffer;
    if (result.body === undefined || result.body === null) {
      body = Buffer.alloc(0);
    } else if (typeof result.body === 'string') {
      body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    } else {
      body = Buffer.from(JSON.stringify(result.body));
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    if (typeof result.body === 'string' && !headers['content-type']) {
      headers['content-type'] = result.isBase64Encoded ? 'application/octet-stream' : 'text/plain; charset=utf-8';
    }
    const status = Math.trunc(result.statusCode);
    return { status: status >= 100 && status <= 599 ? status : 502, headers, body };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(result ?? null)),
  };
}

interface Structured {
  statusCode: number;
  headers?: Record<string, unknown>;
  body?: unknown;
  isBase64Encoded?: boolean;
}

function isStructured(value: unknown): value is Structured {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'
  );
}
