import { registerCommands } from './commands';
import { buildProgram, runProgram } from './program';

/** The `slipway` command: `cli/bin/slipway.js` calls this. */
export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(registerCommands), argv);
}
