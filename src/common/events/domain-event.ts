/**
 * A fact a module announces. Subclasses set a static `eventName` (`project.created`, …) and carry
 * ids and plain values only, so an event can cross process boundaries through the PubSub.
 */
export abstract class DomainEvent {
  readonly occurredAt = new Date().toISOString();
  abstract readonly name: string;

  constructor(
    /** The project the event belongs to, when it belongs to one. */
    readonly projectId: string | undefined,
    /** The user (or `token:<id>`) that caused it, when someone did. */
    readonly actorId: string | undefined,
  ) {}

  /** Plain data clients may see in a subscription. Must not contain secrets. */
  abstract payload(): Record<string, unknown>;
}
