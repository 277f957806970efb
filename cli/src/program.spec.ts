import type { Command } from 'commander';
import { registerCommands } from './commands';
import { buildProgram } from './program';

function walk(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => [
    { path: [...path, sub.name()], command: sub },
    ...walk(sub, [...path, sub.name()]),
  ]);
}

describe('the slipway program', () => {
  const program = buildProgram(registerCommands);
  const commands = walk(program);

  it('has the command groups', () => {
    expect(commands.map((c) => c.path.join(' '))).toEqual(
      expect.arrayContaining([
        'login',
        'logout',
        'whoami',
        'projects',
        'link',
        'unlink',
        'env ls',
        'env set',
        'env rm',
        'env pull',
        'env push',
        'functions ls',
        'functions invoke',
        'tokens create',
        'tokens ls',
        'tokens revoke',
      ]),
    );
  });

  it.each(walk(buildProgram(registerCommands)).map((c) => [c.path.join(' '), c.command] as const))(
    '`%s` has a description and help',
    (_name, command) => {
      expect(command.description().length).toBeGreaterThan(10);
      expect(command.helpInformation()).toContain(`Usage: slipway ${_name}`);
    },
  );
});
