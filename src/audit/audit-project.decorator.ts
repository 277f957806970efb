import { Extensions } from '@nestjs/graphql';

/** The name of the field extension that tells the mutation audit where a result names its project. */
export const AUDIT_PROJECT_FIELD = 'auditProjectField';

/**
 * For a mutation that is not authorized against a project but makes one (`createProject`): the
 * audit entry's project is the result's `field`. Mutations authorized against a project need
 * nothing: the guard's scope names it, and results with a `projectId` name it too.
 */
export const AuditProjectFrom = (field: string): MethodDecorator => Extensions({ [AUDIT_PROJECT_FIELD]: field });

/** The name of the field extension that lists a mutation's arguments the audit log never records. */
export const AUDIT_SECRET_ARGS = 'auditSecretArgs';

/**
 * Arguments of a mutation (dotted paths such as `input.value`; through lists too) that hold
 * secrets: its audit entries, granted or denied, show them as redacted.
 */
export const AuditSecretArgs = (...paths: string[]): MethodDecorator => Extensions({ [AUDIT_SECRET_ARGS]: paths });
