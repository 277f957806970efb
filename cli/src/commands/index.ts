import type { Command } from 'commander';
import { registerAuth } from './auth';
import { registerDeploy } from './deploy';
import { registerDeployments } from './deployments';
import { registerEnv } from './env';
import { registerFunctions } from './functions';
import { registerLink } from './link';
import { registerProjects } from './projects';
import { registerTokens } from './tokens';

/** Every command of `slipway`, one file per group. */
export function registerCommands(program: Command): void {
  registerAuth(program);
  registerProjects(program);
  registerDeploy(program);
  registerDeployments(program);
  registerLink(program);
  registerEnv(program);
  registerFunctions(program);
  registerTokens(program);
}
