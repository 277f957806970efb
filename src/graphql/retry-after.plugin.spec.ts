import { HeaderMap } from '@apollo/server';
import { retryAfterPlugin } from './retry-after.plugin';

type Listener = { willSendResponse(context: unknown): Promise<void> };

/** The HTTP status and Retry-After the plugin gives a response with this body. */
async function statusOf(singleResult: Record<string, unknown>): Promise<{ status?: number; retryAfter?: string }> {
  const response = { body: { kind: 'single', singleResult }, http: { status: undefined, headers: new HeaderMap() } };
  const listener = (await (retryAfterPlugin.requestDidStart as (c: unknown) => Promise<Listener>)({}))!;
  await listener.willSendResponse({ response });
  return { status: response.http.status, retryAfter: response.http.headers.get('retry-after') };
}

const failure = (code: string, reason: string, details?: Record<string, unknown>) => ({
  message: 'failed',
  extensions: { code, reason, ...(details ? { details } : {}) },
});
const unavailable = (reason: string, details?: Record<string, unknown>) =>
  failure('SERVICE_UNAVAILABLE', reason, details);
const limited = (retryAfterSeconds: number) => failure('RATE_LIMITED', 'RATE_LIMITED', { retryAfterSeconds });

describe('retryAfterPlugin', () => {
  it('answers 503 with Retry-After when nothing was done', async () => {
    expect(
      await statusOf({ data: null, errors: [unavailable('MONGODB_UNAVAILABLE', { retryAfterSeconds: 5 })] }),
    ).toEqual({ status: 503, retryAfter: '5' });
  });

  it('keeps 200 when a change may have been made, so nothing retries it', async () => {
    expect(await statusOf({ data: null, errors: [unavailable('AUDIT_UNCONFIRMED')] })).toEqual({
      status: undefined,
      retryAfter: undefined,
    });
  });

  it('keeps 200 when an earlier mutation of the document did run', async () => {
    expect(
      await statusOf({
        data: { first: { id: '1' }, second: null },
        errors: [unavailable('MONGODB_UNAVAILABLE', { retryAfterSeconds: 5 })],
      }),
    ).toEqual({ status: undefined, retryAfter: undefined });
  });

  it('answers 429 with the longest wait of the refused operations when every one was over its limit', async () => {
    expect(await statusOf({ data: { a: null, b: null }, errors: [limited(3), limited(41)] })).toEqual({
      status: 429,
      retryAfter: '41',
    });
  });

  it('keeps 200 when some operations of the request were answered before the limit was reached', async () => {
    expect(await statusOf({ data: { a: { id: '1' }, b: null }, errors: [limited(12)] })).toEqual({
      status: undefined,
      retryAfter: undefined,
    });
  });

  it('prefers 503 when a backing service was out as well', async () => {
    expect(
      await statusOf({
        data: null,
        errors: [limited(30), unavailable('REDIS_UNAVAILABLE', { retryAfterSeconds: 5 })],
      }),
    ).toEqual({ status: 503, retryAfter: '5' });
  });
});
