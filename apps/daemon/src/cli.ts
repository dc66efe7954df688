#!/usr/bin/env node
import { Command, Option } from 'commander';
import type { UserAction } from './commands/user-command.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

const DEFAULT_CONFIG = process.env.POPLAR_CONFIG ?? '/etc/poplar/poplar.toml';
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

// Each command loads its own modules, so `poplard deliver` does not pay for the server's.

/** Runs a command and turns its outcome into an exit code and, on failure, one line on stderr. */
async function run(command: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await command();
  } catch (err) {
    process.stderr.write(`poplard: ${(err as Error).message}\n`);
    process.exitCode = exitCodeOf(err);
  }
}

const configOption = (): Option =>
  new Option('-c, --config <file>', 'configuration file (env POPLAR_CONFIG)').default(DEFAULT_CONFIG);

const program = new Command('poplard')
  .description('Poplar: an Exchange-compatible POP3 server')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.USAGE));

program
  .command('serve')
  .description(
    'run the POP3 server, one worker process per core unless Workers says otherwise (SIGTERM stops it gracefully, SIGHUP reloads the certificate and users)',
  )
  .addOption(configOption())
  .action((options: { config: string }) =>
    run(async () => (await import('./commands/serve-command.js')).serveCommand(options.config)),
  );

const user = program
  .command('user')
  .description('manage the users file (passwords are read from the terminal or stdin)');
const userAction = (action: UserAction) => (options: { config: string }) =>
  run(async () => (await import('./commands/user-command.js')).userCommand(options.config, action, io));
user
  .command('add <name>')
  .description('add a user')
  .addOption(configOption())
  .option('--ntlm', 'also store the encrypted NT hash, so the user can log in with NTLM')
  .option('--maildir <path>', "the user's Maildir, instead of MailRoot/<name>")
  .option('--disabled', 'add the account disabled')
  .action((name: string, options: { config: string; ntlm?: boolean; maildir?: string; disabled?: boolean }) =>
    userAction({
      action: 'add',
      name,
      ntlm: options.ntlm ?? false,
      disabled: options.disabled ?? false,
      ...(options.maildir === undefined ? {} : { maildir: options.maildir }),
    })(options),
  );
user
  .command('passwd <name>')
  .description("change a user's password")
  .addOption(configOption())
  .option('--ntlm', 'store an NT hash with the new password')
  .option('--no-ntlm', 'drop the NT hash')
  .action((name: string, options: { config: string; ntlm?: boolean }) =>
    userAction({ action: 'passwd', name, ...(options.ntlm === undefined ? {} : { ntlm: options.ntlm }) })(options),
  );
for (const action of ['del', 'disable', 'enable'] as const) {
  user
    .command(`${action} <name>`)
    .description(`${action === 'del' ? 'remove' : action} a user`)
    .addOption(configOption())
    .action((name: string, options: { config: string }) => userAction({ action, name })(options));
}
user
  .command('list')
  .description('list users (never shows a secret)')
  .addOption(configOption())
  .option('--json', 'one JSON array')
  .action((options: { config: string; json?: boolean }) =>
    userAction({ action: 'list', json: options.json ?? false })(options),
  );

program
  .command('deliver <user>')
  .description(
    "deliver one RFC 822 message (stdin or --file) into the user's Maildir; exit 65 for bad input, 75 to retry",
  )
  .addOption(configOption())
  .option('-f, --file <path>', 'read the message from this file')
  .action((name: string, options: { config: string; file?: string }) =>
    run(async () =>
      (await import('./commands/deliver-command.js')).deliverCommand(options.config, name, options.file, io),
    ),
  );

program
  .command('demo')
  .description(
    'start a demo server on 127.0.0.1 with a demo user and messages under .demo/ (env POPLAR_DEMO_PORT, POPLAR_DEMO_TLS_PORT, POPLAR_DEMO_DIR)',
  )
  .action(() => run(async () => (await import('./commands/demo-command.js')).demoCommand()));

await program.parseAsync();
