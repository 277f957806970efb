import { HeaderMap } from '@apollo/server';
import { serviceUnavailablePlugin } from './service-unavailable.plugin';

type Listener = { willSendResponse(context: unknown): Promise<void> };

/** The HTTP status and Retry-After the plugin gives a response with this body. */
async function statusOf(singleResult: Record<string, unknown>): Promise<{ status?: number; retryAfter?: string }> {
  const response = { body: { kind: 'single', singleResult }, http: { status: undefined, headers: new HeaderMap() } };
  const listener = (await (serviceUnavailablePlugin.requestDidStart as (c: unknown) => Promise<Listener>)({}))!;
  await listener.willSendResponse({ response });
  return { status: response.http.status, retryAfter: response.http.headers.get('retry-after') };
}

const unavailable = (reason: string, details?: Record<string, unknown>) => ({
  message: 'unavailable',
  extensions: { code: 'SERVICE_UNAVAILABLE', reason, ...(details ? { details } : {}) },
});

describe('serviceUnavailablePlugin', () => {
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
});
