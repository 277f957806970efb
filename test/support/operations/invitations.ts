import type { GraphQLResponse } from '../graphql-client';
import type { AuthPayload } from './auth';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export type InvitationStatus = 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'REVOKED' | 'EXPIRED';

export interface Invitation {
  id: string;
  projectId: string;
  email: string;
  roleId: string;
  status: InvitationStatus;
  invitedBy: string;
  expiresAt: string;
  lastSentAt: string;
  acceptedBy: string | null;
  endedAt: string | null;
  createdAt: string;
}

export interface InviteMemberInput {
  projectId: string;
  email: string;
  roleId: string;
}

export interface AcceptInvitationAsNewUserInput {
  token: string;
  name: string;
  password: string;
}

export interface NewMemberSession {
  auth: AuthPayload;
  invitation: Invitation;
}

const INVITATION_FIELDS =
  'id projectId email roleId status invitedBy expiresAt lastSentAt acceptedBy endedAt createdAt';

export const INVITE_MEMBER = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { ${INVITATION_FIELDS} } }`;
export const PENDING_INVITATIONS = `query ($projectId: ID!, $first: Int, $after: String) {
  pendingInvitations(projectId: $projectId, first: $first, after: $after) {
    totalCount edges { cursor node { ${INVITATION_FIELDS} } } ${PAGE_INFO_FIELDS}
  }
}`;
export const RESEND_INVITATION = `mutation ($input: InvitationRefInput!) { resendInvitation(input: $input) { ${INVITATION_FIELDS} } }`;
export const REVOKE_INVITATION = `mutation ($input: InvitationRefInput!) { revokeInvitation(input: $input) { ${INVITATION_FIELDS} } }`;
export const ACCEPT_INVITATION = `mutation ($input: InvitationTokenInput!) { acceptInvitation(input: $input) { ${INVITATION_FIELDS} } }`;
export const ACCEPT_INVITATION_AS_NEW_USER = `mutation ($input: AcceptInvitationAsNewUserInput!) {
  acceptInvitationAsNewUser(input: $input) {
    auth { accessToken refreshToken expiresIn user { id email name createdAt } }
    invitation { ${INVITATION_FIELDS} }
  }
}`;
export const DECLINE_INVITATION = `mutation ($input: InvitationTokenInput!) { declineInvitation(input: $input) { ${INVITATION_FIELDS} } }`;

export interface InvitationOperations {
  invite(token: string | undefined, input: InviteMemberInput): Promise<GraphQLResponse<{ inviteMember: Invitation }>>;
  pending(
    token: string | undefined,
    args: PageArgs & { projectId: string },
  ): Promise<GraphQLResponse<{ pendingInvitations: Connection<Invitation> }>>;
  resend(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ resendInvitation: Invitation }>>;
  revoke(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ revokeInvitation: Invitation }>>;
  accept(
    token: string | undefined,
    input: { token: string },
  ): Promise<GraphQLResponse<{ acceptInvitation: Invitation }>>;
  acceptAsNewUser(
    token: string | undefined,
    input: AcceptInvitationAsNewUserInput,
  ): Promise<GraphQLResponse<{ acceptInvitationAsNewUser: NewMemberSession }>>;
  decline(
    token: string | undefined,
    input: { token: string },
  ): Promise<GraphQLResponse<{ declineInvitation: Invitation }>>;
}

export function invitationOperations(send: Send): InvitationOperations {
  return {
    invite: (token, input) => send(INVITE_MEMBER, { input }, token),
    pending: (token, args) => send(PENDING_INVITATIONS, { ...args }, token),
    resend: (token, input) => send(RESEND_INVITATION, { input }, token),
    revoke: (token, input) => send(REVOKE_INVITATION, { input }, token),
    accept: (token, input) => send(ACCEPT_INVITATION, { input }, token),
    acceptAsNewUser: (token, input) => send(ACCEPT_INVITATION_AS_NEW_USER, { input }, token),
    decline: (token, input) => send(DECLINE_INVITATION, { input }, token),
  };
}
