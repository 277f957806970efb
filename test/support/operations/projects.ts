import type { Client } from 'graphql-ws';
import type { GraphQLResponse } from '../graphql-client';
import { subscribeModern, type Received } from '../ws-clients';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export interface Project {
  id: string;
  name: string;
  slug: string;
  description: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectEvent {
  name: string;
  projectId: string;
  actorId: string | null;
  occurredAt: string;
  payload: Record<string, unknown>;
}

export interface CreateProjectInput {
  name: string;
  slug?: string | null;
  description?: string | null;
}

export interface UpdateProjectInput {
  id: string;
  name?: string | null;
  slug?: string | null;
  description?: string | null;
}

export interface DeleteProjectInput {
  id: string;
}

const PROJECT_FIELDS = 'id name slug description ownerId createdAt updatedAt';

export const CREATE_PROJECT = `mutation ($input: CreateProjectInput!) { createProject(input: $input) { ${PROJECT_FIELDS} } }`;
export const UPDATE_PROJECT = `mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { ${PROJECT_FIELDS} } }`;
export const DELETE_PROJECT = 'mutation ($input: DeleteProjectInput!) { deleteProject(input: $input) }';
export const PROJECT = `query ($id: ID!) { project(id: $id) { ${PROJECT_FIELDS} } }`;
export const PROJECTS = `query ($first: Int, $after: String) {
  projects(first: $first, after: $after) {
    totalCount
    edges { cursor node { ${PROJECT_FIELDS} } }
    ${PAGE_INFO_FIELDS}
  }
}`;
export const PROJECT_EVENTS = `subscription ($projectId: ID!) {
  projectEvents(projectId: $projectId) { name projectId actorId occurredAt payload }
}`;

export interface ProjectOperations {
  /** `createProject` */
  create(token: string | undefined, input: CreateProjectInput): Promise<GraphQLResponse<{ createProject: Project }>>;
  /** `projects`: the caller's projects, newest first. */
  list(token: string | undefined, args?: PageArgs): Promise<GraphQLResponse<{ projects: Connection<Project> }>>;
  /** `project` */
  get(token: string | undefined, args: { id: string }): Promise<GraphQLResponse<{ project: Project }>>;
  /** `updateProject` */
  update(token: string | undefined, input: UpdateProjectInput): Promise<GraphQLResponse<{ updateProject: Project }>>;
  /** `deleteProject` */
  delete(token: string | undefined, input: DeleteProjectInput): Promise<GraphQLResponse<{ deleteProject: boolean }>>;
  /** The `projectEvents` subscription sent over HTTP, which the API must refuse. */
  events(
    token: string | undefined,
    args: { projectId: string },
  ): Promise<GraphQLResponse<{ projectEvents: ProjectEvent }>>;
}

export function projectOperations(send: Send): ProjectOperations {
  return {
    create: (token, input) => send(CREATE_PROJECT, { input }, token),
    list: (token, args = {}) => send(PROJECTS, { ...args }, token),
    get: (token, args) => send(PROJECT, { ...args }, token),
    update: (token, input) => send(UPDATE_PROJECT, { input }, token),
    delete: (token, input) => send(DELETE_PROJECT, { input }, token),
    events: (token, args) => send(PROJECT_EVENTS, { ...args }, token),
  };
}

/** Subscribes to a project's live events over a graphql-ws connection. */
export function subscribeProjectEvents(
  client: Client,
  args: { projectId: string },
): Received<{ projectEvents: ProjectEvent }> {
  return subscribeModern(client, PROJECT_EVENTS, { ...args });
}
