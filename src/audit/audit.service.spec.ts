import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import { RequestContext } from '../common/context/request-context';
import { AppException } from '../common/errors/app.exception';
import { loadConfig } from '../config/app-config';
import type { AuditLogRecord } from './audit-log.schema';
import { AuditOutcome } from './audit-log.schema';
import { AuditService, type AuditEntry } from './audit.service';

/** A collection whose inserts wait until `release` is called: MongoDB not answering, then answering. */
function stalledCollection() {
  const stored: AuditLogRecord[] = [];
  let release!: () => void;
  const answering = new Promise<void>((resolve) => (release = resolve));
  const logs = {
    collection: {
      insertMany: async (records: AuditLogRecord[]) => {
        await answering;
        stored.push(...records);
      },
    },
  } as unknown as Model<AuditLogRecord>;
  return { logs, stored, release };
}

const config = loadConfig({
  MONGODB_URI: 'mongodb://127.0.0.1:1/unused',
  REDIS_URL: 'redis://127.0.0.1:1',
  AUDIT_MAX_PENDING: '100',
  MONGODB_TIMEOUT_MS: '200',
});

const entry = (operation: string, outcome = AuditOutcome.DENIED): AuditEntry => ({
  ctx: RequestContext.anonymous(),
  operation,
  args: {},
  outcome,
  durationMs: 1,
});

describe('AuditService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it('does not confirm a mutation whose entry found the backlog full after the mutation was let in', async () => {
    const { logs, release } = stalledCollection();
    const audit = new AuditService(logs, config);

    audit.assertAccepting(); // room when the mutation starts ...
    for (let i = 0; i < 100; i++) void audit.record(entry(`query.denied${i}`)); // ... filled while it runs
    const confirmed = audit.confirm(entry('mutation.createProject', AuditOutcome.GRANTED));

    await expect(confirmed).rejects.toMatchObject({ reason: 'AUDIT_UNCONFIRMED' });
    expect(audit.backlog()).toMatchObject({ pending: 100, lost: 1 });
    release();
  });

  it('answers many flushes during an outage without piling up work on one entry', async () => {
    const { logs, stored, release } = stalledCollection();
    const audit = new AuditService(logs, config);
    void audit.record(entry('query.denied'));

    const flushes = Array.from({ length: 20_000 }, () => audit.flush(60_000));
    release();

    expect(await Promise.all(flushes)).toEqual(Array(20_000).fill(true));
    expect(stored).toHaveLength(1);
  });

  it('records an unreachable database as SERVICE_UNAVAILABLE, as the client was told', async () => {
    const { logs, stored, release } = stalledCollection();
    const audit = new AuditService(logs, config);
    release();
    const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoServerSelectionError' });

    await audit.record({ ...entry('mutation.createProject', AuditOutcome.FAILED), error: unreachable });

    expect(stored[0]).toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE' });
    expect(unreachable).not.toBeInstanceOf(AppException);
  });
});
