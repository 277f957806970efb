import { Injectable } from '@nestjs/common';

/** Finds the project an entity belongs to; null when the entity does not exist. */
export type ProjectLookup = (id: string) => Promise<string | null>;

/**
 * Feature modules register how to find the project of their entities (`role`, `build`, …) so the
 * access guard can authorize operations that name an entity instead of a project.
 */
@Injectable()
export class ResourceLocator {
  private readonly lookups = new Map<string, ProjectLookup>();

  register(entity: string, lookup: ProjectLookup): void {
    if (this.lookups.has(entity)) throw new Error(`A project lookup for "${entity}" is already registered`);
    this.lookups.set(entity, lookup);
  }

  async projectOf(entity: string, id: string): Promise<string | null> {
    const lookup = this.lookups.get(entity);
    if (!lookup) throw new Error(`No project lookup is registered for "${entity}"`);
    return lookup(id);
  }

  has(entity: string): boolean {
    return this.lookups.has(entity);
  }
}
