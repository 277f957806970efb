import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

/** What one attempt at calling an endpoint found. */
export interface AttemptOutcome {
  /** Whether the endpoint answered 2xx. */
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  /** The first `maxBodyBytes` of the answer, as UTF-8. */
  responseBody: string | null;
  /** Why the attempt failed, when it did: a stable code and a sentence. */
  errorCode: string | null;
  error: string | null;
}

export interface PostOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  lookup: LookupFunction;
}

/**
 * POSTs `body` to `url` once. Redirects are not followed (a 3xx is a failure with its status),
 * the whole attempt is cut at `timeoutMs`, and only the first `maxBodyBytes` of the answer are
 * read. Connections are not kept alive, so every attempt resolves the host through `lookup` again.
 */
export function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: PostOptions,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    let statusCode: number | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Omit<AttemptOutcome, 'durationMs' | 'statusCode' | 'responseBody'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const responseBody =
        statusCode === null ? null : Buffer.concat(chunks).subarray(0, options.maxBodyBytes).toString('utf8');
      resolve({ ...outcome, statusCode, responseBody, durationMs: elapsed() });
      request.destroy();
    };
    const send = url.protocol === 'https:' ? https.request : http.request;
    const request = send(url, {
      method: 'POST',
      agent: false,
      lookup: options.lookup,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Slipway-Webhooks/1',
      },
    });
    const timer = setTimeout(() => {
      if (statusCode !== null) {
        finish(answered(statusCode));
        return;
      }
      finish({ ok: false, errorCode: 'TIMEOUT', error: `No answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    request.on('response', (response) => {
      statusCode = response.statusCode ?? null;
      response.on('data', (chunk: Buffer) => {
        if (size < options.maxBodyBytes) chunks.push(chunk);
        size += chunk.length;
        // The rest of a long answer is not read: its beginning is what the history keeps.
        if (size >= options.maxBodyBytes) finish(answered(statusCode!));
      });
      response.on('end', () => finish(answered(statusCode!)));
      response.on('error', () => finish(answered(statusCode!)));
    });
    request.on('error', (error: Error & { code?: string; reason?: string }) => {
      finish({
        ok: false,
        errorCode: error.reason ?? error.code ?? 'REQUEST_FAILED',
        error: error.message,
      });
    });
    request.end(body);
  });
}

function answered(statusCode: number): Omit<AttemptOutcome, 'durationMs' | 'statusCode' | 'responseBody'> {
  if (statusCode >= 200 && statusCode < 300) return { ok: true, errorCode: null, error: null };
  if (statusCode >= 300 && statusCode < 400) {
    return { ok: false, errorCode: 'REDIRECT', error: `Answered ${statusCode}: redirects are not followed` };
  }
  return { ok: false, errorCode: 'HTTP_STATUS', error: `Answered ${statusCode}` };
}
