import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DomainEvent } from '../src/common/events/domain-event';
import { createProject, registerUser } from './support/factories';
import { ok } from './support/graphql-client';
import { operations, subscribeProjectEvents, type Operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { firstWhileTriggering, modernClient } from './support/ws-clients';

/** Domain events: in-process listeners see every one; project events also reach subscribers. */
describe('domain events', () => {
  let api: TestApp;
  let ops: Operations;
  const seen: DomainEvent[] = [];

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
    const emitter = api.app.get(EventEmitter2);
    for (const name of ['project.created', 'project.updated', 'project.deleted', 'role.assigned', 'role.removed']) {
      emitter.on(name, (event: DomainEvent) => seen.push(event));
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  it('announces the project lifecycle and role changes, in order, with the actor', async () => {
    const owner = await registerUser(api.url);
    const member = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken, 'Event source');

    const client = modernClient(api.wsUrl, owner.accessToken);
    const stream = subscribeProjectEvents(client, { projectId: project.id });
    const live: string[] = [];
    try {
      // Wait until the stream is live, using renames as probes.
      const probe = await firstWhileTriggering(stream, async (attempt) =>
        ok(await ops.projects.update(owner.accessToken, { id: project.id, name: `Probe ${attempt}` })),
      );
      if (probe) live.push(probe.projectEvents.name);
      ok(
        await ops.access.assignRole(owner.accessToken, { projectId: project.id, userId: member.id, roleId: 'viewer' }),
      );
      ok(await ops.projects.delete(owner.accessToken, { id: project.id }));
      // Deleting the project ends the subscriber's access to it at once, so the stream ends saying
      // why; the deletion itself reaches in-process listeners (below).
      const ended = await stream.error(5_000);
      const error = (Array.isArray(ended) ? ended[0] : ended) as { extensions?: { code?: string }; message?: string };
      expect(error.extensions?.code).toBe('NOT_FOUND');
      expect(error.message).toContain('the project was deleted');
      // What the stream delivered before it ended.
      for (;;) {
        const e = await stream.next(200).catch(() => undefined);
        if (!e) break;
        live.push(e.projectEvents.name);
      }
    } finally {
      stream.close();
      await client.dispose();
    }
    expect(live.filter((n) => n !== 'project.updated')).toEqual(['role.assigned']);

    const mine = seen.filter((e) => e.projectId === project.id).map((e) => e.name);
    expect(mine[0]).toBe('role.assigned'); // the creator becomes owner first,
    expect(mine[1]).toBe('project.created'); // then the project is announced
    expect(mine).toContain('role.assigned');
    expect(mine[mine.length - 1]).toBe('project.deleted');
    const created = seen.find((e) => e.projectId === project.id && e.name === 'project.created')!;
    expect(created.actorId).toBe(owner.id);
    expect(created.payload()).toEqual({ name: 'Event source', slug: project.slug });
  });
});
