import { SettingsException, SettingsExceptionReason } from './settings.exception';

/**
 * The events a project can be notified of, by their domain event names. Some belong to features
 * still to come (functions, alerts, members); their names are settled here so that rules can be
 * written for them now. A feature that announces a new kind of event adds it here.
 */
export const NOTIFIABLE_EVENTS = [
  'build.queued',
  'build.started',
  'build.succeeded',
  'build.failed',
  'build.canceled',
  'deployment.created',
  'deployment.promoted',
  'deployment.rolled_back',
  'function.deployed',
  'function.failed',
  'alert.fired',
  'alert.resolved',
  'member.invited',
  'member.joined',
  'member.removed',
  'member.role_changed',
  'invitation.revoked',
  'invitation.expired',
  'settings.updated',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.disabled',
  'database.created',
  'database.deleted',
  'database.backup_succeeded',
  'database.backup_failed',
  'database.restored',
] as const;

const EVENTS: ReadonlySet<string> = new Set(NOTIFIABLE_EVENTS);
const FAMILIES: ReadonlySet<string> = new Set(NOTIFIABLE_EVENTS.map((event) => event.split('.')[0]!));

/**
 * A rule's event as it is stored: a known event (`build.failed`), every event of a family
 * (`build.*`), or every event (`*`).
 */
export function checkEventPattern(raw: string): string {
  const pattern = raw.trim();
  const family = pattern.endsWith('.*') ? pattern.slice(0, -2) : undefined;
  if (pattern === '*' || EVENTS.has(pattern) || (family !== undefined && FAMILIES.has(family))) return pattern;
  throw new SettingsException(
    SettingsExceptionReason.UNKNOWN_EVENT,
    `"${pattern.slice(0, 100)}" is not an event: name one of ${NOTIFIABLE_EVENTS.join(', ')}, a family such as build.*, or *`,
  );
}

export { matchesEventPattern } from '../common/events/event-pattern';
