import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../common/context/request-context';

/** An operation a policy refuses, and whether the refusal goes into the audit log. */
export interface PolicyRefusal {
  error: Error;
  /**
   * False for a refusal that repeats one recorded moments ago (the same caller, still over the
   * same limit): repeating it costs no audit write each time, so refusing stays cheaper than
   * serving.
   */
  record: boolean;
}

/**
 * A condition a feature adds to the access decision of every operation, registered from the
 * feature's `onModuleInit`, so that `access/` knows no feature (as with `ResourceLocator`).
 */
export interface OperationPolicy {
  /**
   * Before access is decided, for every GraphQL operation and guarded HTTP handler (public HTTP
   * routes excepted), with the project the operation acts on once the guard has located it, or
   * none: how much a caller may ask, whoever they are.
   */
  admit?(ctx: RequestContext, projectId: string | undefined): Promise<PolicyRefusal | undefined>;
  /**
   * Once the caller holds the operation's permission in the project, and again whenever a live
   * stream of the project re-checks its subscriber or a service asks `AccessService`: whether the
   * caller may reach the project the way they do. Answers with the refusal, or undefined.
   */
  allow?(ctx: RequestContext, projectId: string): Error | undefined | Promise<Error | undefined>;
}

/** The policies features registered; the guard, live streams and `AccessService` apply them. */
@Injectable()
export class OperationPolicies {
  private readonly admitting: Array<NonNullable<OperationPolicy['admit']>> = [];
  private readonly allowing: Array<NonNullable<OperationPolicy['allow']>> = [];

  register(policy: OperationPolicy): void {
    if (policy.admit) this.admitting.push(policy.admit.bind(policy));
    if (policy.allow) this.allowing.push(policy.allow.bind(policy));
  }

  async admit(ctx: RequestContext, projectId: string | undefined): Promise<PolicyRefusal | undefined> {
    for (const admit of this.admitting) {
      const refusal = await admit(ctx, projectId);
      if (refusal) return refusal;
    }
    return undefined;
  }

  async allow(ctx: RequestContext, projectId: string): Promise<Error | undefined> {
    for (const allow of this.allowing) {
      const refusal = await allow(ctx, projectId);
      if (refusal) return refusal;
    }
    return undefined;
  }
}
