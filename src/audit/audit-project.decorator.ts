import { Extensions } from '@nestjs/graphql';

/** The name of the field extension that tells the mutation audit where a result names its project. */
export const AUDIT_PROJECT_FIELD = 'auditProjectField';

/**
 * For a mutation that is not authorized against a project but makes one (`createProject`): the
 * audit entry's project is the result's `field`. Mutations authorized against a project need
 * nothing: the guard's scope names it, and results with a `projectId` name it too.
 */
export const AuditProjectFrom = (field: string): MethodDecorator => Extensions({ [AUDIT_PROJECT_FIELD]: field });
