import type { Command } from 'commander';
import { registerAuth } from './auth';
import { registerEnv } from './env';
import { registerFunctions } from './functions';
import { registerLink } from './link';
import { registerProjects } from './projects';
import { registerTokens } from './tokens';

/** Every command of `slipway`, one file per group. */
export function registerCommands(program: Command): void {
  registerAuth(program);
  registerProjects(program);
  registerLink(program);
  registerEnv(program);
  registerFunctions(program);
  registerTokens(program);
}
