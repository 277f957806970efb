import { Injectable, Logger } from '@nestjs/common';
import { RoleAssignmentsService } from '../access/role-assignments.service';
import { UsersService } from '../auth/users.service';
import { EventBus } from '../common/events/event-bus';
import { isObjectId } from '../common/mongo/object-id';
import { PageArgs } from '../common/pagination/page.args';
import { MailService } from '../mail/mail.service';
import { ProjectsService } from '../projects/projects.service';
import { ProjectSettingsService } from '../settings/project-settings.service';
import { renderAlertMail } from './alert-mail';
import { AlertComparison, AlertState } from './alert-state';
import { AlertChannel, type AlertRecord } from './alert.schema';
import { AlertFiredEvent, AlertResolvedEvent } from './events/alert-notification.event';
import type { AlertEvent } from './models/alert-event.model';

/** Members read per page when roles are resolved to people. */
const MEMBER_PAGE = 100;
/** Pages of members read at most: a project past 5,000 members names people by id or address. */
const MAX_MEMBER_PAGES = 50;
/** Addresses one notification is mailed to at most. */
const MAX_RECIPIENTS = 500;

const OPERATORS: Record<AlertComparison, string> = {
  [AlertComparison.GT]: '>',
  [AlertComparison.GTE]: '>=',
  [AlertComparison.LT]: '<',
  [AlertComparison.LTE]: '<=',
};

/** A rule's condition as people read it: `P95 of api.latency{route=/} over 300 s > 250`. */
export function describeCondition(
  rule: Pick<AlertRecord, 'aggregate' | 'metric' | 'labels' | 'windowSeconds' | 'comparison' | 'threshold'>,
): string {
  const labels = rule.labels.length > 0 ? `{${rule.labels.map((l) => `${l.key}=${l.value}`).join(',')}}` : '';
  return `${rule.aggregate} of ${rule.metric}${labels} over ${rule.windowSeconds} s ${OPERATORS[rule.comparison]} ${rule.threshold}`;
}

/**
 * Tells of an alert that fired or resolved, through the rule's channels: WEBHOOK announces the
 * domain event alert.fired / alert.resolved (webhook endpoints subscribed to it, the activity
 * feed, projectEvents), EMAIL mails the people the project's notification preferences name for
 * that event. A channel that fails is logged; the change stays recorded.
 */
@Injectable()
export class AlertNotifierService {
  private readonly logger = new Logger(AlertNotifierService.name);

  constructor(
    private readonly events: EventBus,
    private readonly mail: MailService,
    private readonly settings: ProjectSettingsService,
    private readonly assignments: RoleAssignmentsService,
    private readonly users: UsersService,
    private readonly projects: ProjectsService,
  ) {}

  async notify(rule: AlertRecord, event: AlertEvent): Promise<void> {
    const Event = event.to === AlertState.FIRING ? AlertFiredEvent : AlertResolvedEvent;
    if (rule.channels.includes(AlertChannel.WEBHOOK)) {
      await this.events.publish(
        new Event(
          event.projectId,
          event.actorId ?? undefined,
          event.alertId,
          event.name,
          event.metric,
          event.severity,
          event.value,
          event.threshold,
          event.to,
        ),
      );
    }
    if (rule.channels.includes(AlertChannel.EMAIL)) {
      try {
        await this.mailAbout(rule, event, Event.eventName);
      } catch (error) {
        this.logger.error(`Could not mail alert ${event.alertId} ${event.to}: ${(error as Error).message}`);
      }
    }
  }

  private async mailAbout(rule: AlertRecord, event: AlertEvent, eventName: string): Promise<void> {
    const recipients = await this.recipients(event.projectId, eventName);
    if (recipients.length === 0) return;
    const project = await this.projects.get(event.projectId);
    const message = renderAlertMail({
      status: event.to === AlertState.FIRING ? 'firing' : 'resolved',
      severity: event.severity,
      alertName: event.name,
      projectName: project.name,
      condition: describeCondition(rule),
      value: event.value === null ? 'no data' : String(Number(event.value.toPrecision(6))),
      at: event.at.toISOString(),
      resolvedBy: event.actorId === null ? null : await this.actorName(event.actorId),
    });
    for (const to of recipients) await this.mail.send({ to, ...message });
  }

  /**
   * The addresses the project's notification rules for `eventName` send mail to: the members
   * holding the roles they name, the members they name, and the addresses they list.
   */
  private async recipients(projectId: string, eventName: string): Promise<string[]> {
    const { email } = await this.settings.recipientsFor(projectId, eventName);
    const addresses = new Set(email.emails);
    if (email.roles.length > 0 || email.userIds.length > 0) {
      const roles = new Set(email.roles);
      const named = new Set(email.userIds);
      const userIds: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
        const members = await this.assignments.members(
          projectId,
          Object.assign(new PageArgs(), { first: MEMBER_PAGE, after }),
        );
        for (const { node } of members.edges) {
          // Only members: a person named in a rule and removed since is told nothing more.
          if (named.has(node.userId) || node.roleIds.some((role) => roles.has(role))) userIds.push(node.userId);
        }
        if (!members.pageInfo.hasNextPage || !members.pageInfo.endCursor) break;
        after = members.pageInfo.endCursor;
      }
      for (const user of (await this.users.findMany(userIds)).values()) addresses.add(user.email);
    }
    return [...addresses].slice(0, MAX_RECIPIENTS);
  }

  /**
   * Who resolved the rule, as the mail names them: their name only. The mail may go to addresses
   * outside the project, which are not to learn members' addresses from it.
   */
  private async actorName(actorId: string): Promise<string> {
    if (!isObjectId(actorId)) return actorId;
    const user = await this.users.findById(actorId);
    return user ? user.name : actorId;
  }
}
