/** The invitations' Bull queue: the sweep that marks ended invitations EXPIRED. */
export const INVITATIONS_QUEUE = 'invitations';

export enum InvitationJob {
  /** Marks pending invitations past their end EXPIRED and announces each (`InvitationsService.expireDue`). */
  EXPIRE = 'invitations.expire',
}

/** Job payloads: ids and plain values only, never documents. */
export interface InvitationJobPayloads {
  [InvitationJob.EXPIRE]: { requestedAt: string };
}
