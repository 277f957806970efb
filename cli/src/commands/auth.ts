import type { Command } from 'commander';
import { LoginDocument, LogoutDocument, MeDocument, SlipwayClient, SlipwayError } from '../../../client/src';
import { readCredentials, removeCredentials, type Credentials } from '../config';
import { Context } from '../context';
import { CliError, EXIT_USAGE } from '../errors';
import { action } from '../program';
import { ask, readStdin } from '../prompt';

interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
  tokenStdin?: boolean;
}

export function registerAuth(program: Command): void {
  program
    .command('login')
    .description(
      'Log in with email and password (asked on the terminal, or --email with --password-stdin), or store an API token given with --token-stdin, --token or SLIPWAY_TOKEN',
    )
    .option('--email <email>', 'the account to log in to')
    .option('--password-stdin', 'read the password from stdin')
    .option('--token-stdin', 'read an API token from stdin and store it (kept out of shell history)')
    .action(
      action(async (ctx, opts: LoginOptions) => {
        const given = ctx.options.token ?? (ctx.env.SLIPWAY_TOKEN || undefined);
        const passwordLogin = opts.email !== undefined || opts.passwordStdin === true;
        if (passwordLogin && (given !== undefined || opts.tokenStdin))
          throw new CliError(
            `Log in either with an email and password or with an API token, not both (${
              opts.tokenStdin ? '--token-stdin' : ctx.options.token ? '--token' : 'SLIPWAY_TOKEN is set'
            })`,
            'CONFLICTING_OPTIONS',
            EXIT_USAGE,
          );
        if (opts.tokenStdin && given !== undefined)
          throw new CliError(
            '--token-stdin reads the token from stdin: leave out --token and SLIPWAY_TOKEN',
            'CONFLICTING_OPTIONS',
            EXIT_USAGE,
          );
        const apiToken = opts.tokenStdin ? (await readStdin()).trim() : given;
        if (opts.tokenStdin && !apiToken) throw new CliError('No API token on stdin', 'INPUT_REQUIRED', EXIT_USAGE);
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
    .description('End the stored session on the API and forget the stored login')
    .action(
      action(async (ctx) => {
        const sessionEnded = await endStoredSession(ctx);
        const removed = removeCredentials(ctx.env);
        ctx.out.result({ loggedOut: removed, sessionEnded }, removed ? 'Logged out' : 'Not logged in');
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

/**
 * Ends the stored session on the API it belongs to, so that its tokens stop working everywhere.
 * Best effort: when that fails (the API cannot be reached, the session ended already), the login
 * is still forgotten here, with a warning. An unreadable credentials file is simply removed.
 */
async function endStoredSession(ctx: Context): Promise<boolean> {
  let stored: Credentials | undefined;
  try {
    stored = readCredentials(ctx.env);
  } catch {
    return false;
  }
  if (!stored?.session) return false;
  let session: Context | undefined;
  try {
    // The stored session, not --token / SLIPWAY_TOKEN, on the API it was made on.
    session = new Context({ json: ctx.options.json, apiUrl: stored.apiUrl }, ctx.cwd, {
      ...ctx.env,
      SLIPWAY_TOKEN: '',
      SLIPWAY_API_URL: '',
    });
    return (await session.request(LogoutDocument, {})).logout;
  } catch (error) {
    const code = error instanceof SlipwayError || error instanceof CliError ? error.code : undefined;
    // UNAUTHENTICATED: the session had ended already; nothing is left to end.
    if (code !== 'UNAUTHENTICATED')
      ctx.out.warn(
        `Could not end the session on the API (${error instanceof Error ? error.message : String(error)}); the login is forgotten here only`,
      );
    return false;
  } finally {
    await session?.close();
  }
}
