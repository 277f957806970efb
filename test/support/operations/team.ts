import type { Client } from 'graphql-ws';
import type { GraphQLResponse } from '../graphql-client';
import { subscribeModern, type Received } from '../ws-clients';
import type { Role } from './access';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export interface Member {
  projectId: string;
  user: { id: string; email: string; name: string };
  roles: Omit<Role, 'userCount'>[];
  joinedAt: string;
  invitedBy: string | null;
  lastActiveAt: string | null;
}

export interface RemovedMember {
  projectId: string;
  userId: string;
  roleIds: string[];
}

export interface ActivityEntry {
  id: string;
  projectId: string;
  actorId: string | null;
  actorEmail: string | null;
  actorName: string | null;
  verb: string;
  object: { type: string; id: string | null; name: string | null };
  event: string;
  occurredAt: string;
  payload: Record<string, any>;
}

export interface ActivityFilter {
  types?: string[] | null;
  verbs?: string[] | null;
  actorId?: string | null;
  from?: string | null;
  to?: string | null;
}

export interface ActivityArgs extends PageArgs {
  projectId: string;
  filter?: ActivityFilter | null;
}

const MEMBER_FIELDS =
  'projectId user { id email name } roles { id projectId name description builtIn permissions createdAt } joinedAt invitedBy lastActiveAt';
const ACTIVITY_FIELDS =
  'id projectId actorId actorEmail actorName verb object { type id name } event occurredAt payload';

export const TEAM_MEMBERS = `query ($projectId: ID!, $first: Int, $after: String) {
  teamMembers(projectId: $projectId, first: $first, after: $after) {
    totalCount
    edges { cursor node { ${MEMBER_FIELDS} } }
    ${PAGE_INFO_FIELDS}
  }
}`;
export const UPDATE_MEMBER_ROLE = `mutation ($input: UpdateMemberRoleInput!) { updateMemberRole(input: $input) { ${MEMBER_FIELDS} } }`;
export const REMOVE_MEMBER = `mutation ($input: RemoveMemberInput!) { removeMember(input: $input) { projectId userId roleIds } }`;
export const LEAVE_PROJECT = `mutation ($input: LeaveProjectInput!) { leaveProject(input: $input) { projectId userId roleIds } }`;
export const TRANSFER_OWNERSHIP = `mutation ($input: TransferOwnershipInput!) {
  transferOwnership(input: $input) { ${MEMBER_FIELDS} }
}`;
export const ACTIVITY = `query ($projectId: ID!, $filter: ActivityFilterInput, $first: Int, $after: String) {
  activity(projectId: $projectId, filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { ${ACTIVITY_FIELDS} } }
    ${PAGE_INFO_FIELDS}
  }
}`;
export const ACTIVITY_ADDED = `subscription ($projectId: ID!) { activityAdded(projectId: $projectId) { ${ACTIVITY_FIELDS} } }`;

type Input = { projectId: string; userId: string };

export interface TeamOperations {
  members(
    token: string | undefined,
    args: { projectId: string } & PageArgs,
  ): Promise<GraphQLResponse<{ teamMembers: Connection<Member> }>>;
  updateMemberRole(
    token: string | undefined,
    input: Input & { roleId: string },
  ): Promise<GraphQLResponse<{ updateMemberRole: Member }>>;
  removeMember(token: string | undefined, input: Input): Promise<GraphQLResponse<{ removeMember: RemovedMember }>>;
  leaveProject(
    token: string | undefined,
    input: { projectId: string },
  ): Promise<GraphQLResponse<{ leaveProject: RemovedMember }>>;
  transferOwnership(token: string | undefined, input: Input): Promise<GraphQLResponse<{ transferOwnership: Member }>>;
  activity(
    token: string | undefined,
    args: ActivityArgs,
  ): Promise<GraphQLResponse<{ activity: Connection<ActivityEntry> }>>;
}

export function teamOperations(send: Send): TeamOperations {
  return {
    members: (token, args) => send(TEAM_MEMBERS, { ...args }, token),
    updateMemberRole: (token, input) => send(UPDATE_MEMBER_ROLE, { input }, token),
    removeMember: (token, input) => send(REMOVE_MEMBER, { input }, token),
    leaveProject: (token, input) => send(LEAVE_PROJECT, { input }, token),
    transferOwnership: (token, input) => send(TRANSFER_OWNERSHIP, { input }, token),
    activity: (token, args) => send(ACTIVITY, { ...args }, token),
  };
}

/** `activityAdded` on a graphql-ws client. */
export function subscribeActivity(
  client: Client,
  args: { projectId: string },
): Received<{ activityAdded: ActivityEntry }> {
  return subscribeModern(client, ACTIVITY_ADDED, { ...args });
}
