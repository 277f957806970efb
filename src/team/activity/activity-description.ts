/** What an activity entry says happened: a verb and the object it happened to. */
export interface ActivityDescription {
  verb: string;
  object: { type: string; id: string | null; name: string | null };
}

/** Where a family's events keep the id and the label of their object, when not at `<family>Id` and `name`. */
interface ObjectFields {
  id: string[];
  name: string[];
}

/**
 * The one place an event's payload is read as an object. A family listed here names its own
 * fields; any other event (one added later) is read the generic way: the type is the family
 * before the first dot, the verb what follows it, the id `<family>Id` or `id`, the label `name`.
 */
const FAMILIES: Record<string, ObjectFields> = {
  project: { id: [], name: ['name', 'slug'] },
  role: { id: ['roleId'], name: ['roleId'] },
  member: { id: ['userId', 'invitationId'], name: ['email'] },
  invitation: { id: ['invitationId'], name: ['email'] },
  build: { id: ['buildId'], name: ['branch'] },
  deployment: { id: ['deploymentId'], name: ['environment'] },
  function: { id: ['functionId'], name: ['name'] },
  settings: { id: ['group'], name: ['group'] },
  env: { id: ['version'], name: ['keys'] },
  security: { id: [], name: ['changed'] },
  domain: { id: ['domainId'], name: ['hostname'] },
  webhook: { id: ['webhookId'], name: ['origin'] },
  token: { id: ['tokenId'], name: ['name'] },
  alert: { id: ['alertId'], name: ['name'] },
};

const MAX_LABEL = 200;

/** A payload value as a short label: strings and numbers as they are, lists joined. */
function label(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 ? value.slice(0, MAX_LABEL) : null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
    return parts.length > 0 ? parts.join(', ').slice(0, MAX_LABEL) : null;
  }
  return null;
}

function firstOf(payload: Record<string, unknown>, fields: readonly string[]): string | null {
  for (const field of fields) {
    const value = label(payload[field]);
    if (value !== null) return value;
  }
  return null;
}

/** Reads an event (`build.failed` and its payload) as a verb and an object. */
export function describeEvent(
  name: string,
  payload: Record<string, unknown>,
  projectId: string | null = null,
): ActivityDescription {
  const dot = name.indexOf('.');
  const family = dot > 0 ? name.slice(0, dot) : name;
  const verb = dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : 'happened';
  const known = Object.prototype.hasOwnProperty.call(FAMILIES, family) ? FAMILIES[family] : undefined;
  const fields: ObjectFields = known ?? { id: [`${family}Id`, 'id'], name: ['name'] };
  const id = family === 'project' ? projectId : firstOf(payload, fields.id);
  return { verb, object: { type: family, id, name: firstOf(payload, fields.name) } };
}
