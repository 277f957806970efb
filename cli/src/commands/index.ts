import type { Command } from 'commander';
import { registerAuth } from './auth';
import { registerLink } from './link';
import { registerProjects } from './projects';

/** Every command of `slipway`, one file per group. */
export function registerCommands(program: Command): void {
  registerAuth(program);
  registerProjects(program);
  registerLink(program);
}
