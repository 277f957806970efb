import type { Command } from 'commander';
import { LoginDocument, MeDocument, SlipwayClient } from '../../../client/src';
import { removeCredentials } from '../config';
import { CliError, EXIT_USAGE } from '../errors';
import { action } from '../program';
import { ask, readStdin } from '../prompt';

interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
}

export function registerAuth(program: Command): void {
  program
    .command('login')
    .description(
      'Log in with email and password (asked on the terminal, or --email with --password-stdin), or store an API token given with --token / SLIPWAY_TOKEN',
    )
    .option('--email <email>', 'the account to log in to')
    .option('--password-stdin', 'read the password from stdin')
    .action(
      action(async (ctx, opts: LoginOptions) => {
        const apiToken = ctx.options.token ?? (ctx.env.SLIPWAY_TOKEN || undefined);
        if (apiToken) {
          const probe = new SlipwayClient({ url: ctx.apiUrl, token: () => apiToken });
          try {
            const { me } = await probe.request(MeDocument, {});
            const file = ctx.saveCredentials({ apiUrl: ctx.apiUrl, apiToken, user: me });
            ctx.out.result(
              { user: me, apiUrl: ctx.apiUrl, credentials: file },
              `Logged in to ${ctx.apiUrl} as ${me.email} with an API token`,
            );
          } finally {
            await probe.close();
          }
          return;
        }
        const email = opts.email ?? (await ask('Email: '));
        const password = opts.passwordStdin ? await readStdin() : await ask('Password: ', { secret: true });
        if (email.trim() === '' || password === '')
          throw new CliError('An email and a password are needed', 'INPUT_REQUIRED', EXIT_USAGE);
        const anonymous = new SlipwayClient({ url: ctx.apiUrl });
        try {
          const { login } = await anonymous.request(LoginDocument, { input: { email: email.trim(), password } });
          const file = ctx.saveCredentials({
            apiUrl: ctx.apiUrl,
            user: login.user,
            session: {
              accessToken: login.accessToken,
              refreshToken: login.refreshToken,
              expiresAt: new Date(Date.now() + login.expiresIn * 1000).toISOString(),
            },
          });
          ctx.out.result(
            { user: login.user, apiUrl: ctx.apiUrl, credentials: file },
            `Logged in to ${ctx.apiUrl} as ${login.user.email}`,
          );
        } finally {
          await anonymous.close();
        }
      }),
    );

  program
    .command('logout')
    .description('Forget the stored login')
    .action(
      action(async (ctx) => {
        const removed = removeCredentials(ctx.env);
        ctx.out.result({ loggedOut: removed }, removed ? 'Logged out' : 'Not logged in');
      }),
    );

  program
    .command('whoami')
    .description('Show the account the CLI acts as')
    .action(
      action(async (ctx) => {
        const { me } = await ctx.request(MeDocument, {});
        ctx.out.result({ user: me, apiUrl: ctx.apiUrl }, `${me.email} (${me.name}) on ${ctx.apiUrl}`);
      }),
    );
}
