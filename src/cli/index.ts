#!/usr/bin/env node
import { escapeControls } from '../audit/report/escape.js';
/**
 * The `proxytrust` command line.
 *
 * Exit status: 0 success, 1 a check failed (or a lint finding at or above --fail-on), 2 usage
 * error, 3 an audit target unreachable (or a lint input unreadable).
 */
import { TOOL_VERSION } from '../audit/types.js';
import { EXPLAIN_HELP, runExplain } from './explain.js';
import { AUDIT_HELP, DEMO_HELP } from './help.js';
import { LINT_HELP, lintCommand } from './lint.js';
import { PROBE_HELP, probeCommand } from './probe.js';
import { didYouMean, UsageError } from './usage.js';

/** The commands, in the order the help lists them. */
export const COMMANDS = ['explain', 'audit', 'lint', 'probe', 'demo', 'help'] as const;

const HELP = `Usage: proxytrust <command> [options]

Commands:
  explain    resolve one request and print the view and the trace
  audit      prove that a live deployment keeps the trust contract
  lint       check nginx and ingress-nginx configuration files before they ship
  demo       start an embedded proxy chain, right and wrong, and audit both
  probe      print a probe for a Django, WSGI, ASGI or Node app
  help CMD   the help of one command (also: proxytrust CMD --help)

  -h, --help     this help
  -v, --version  the version

Exit status: 0 success, 1 a check failed, 2 usage error, 3 an audit target unreachable.`;

function helpOf(command: string | undefined): string {
  if (command === 'explain') return EXPLAIN_HELP;
  if (command === 'audit') return AUDIT_HELP;
  if (command === 'lint') return LINT_HELP;
  if (command === 'probe') return PROBE_HELP;
  if (command === 'demo') return DEMO_HELP;
  if (command === undefined) return HELP;
  throw new UsageError(
    `no command "${command}"${didYouMean(command, COMMANDS)}; commands: ${COMMANDS.join(', ')}`,
  );
}

/** Run the CLI; returns the exit status. Output goes to the given writers. */
export function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
  err: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'explain':
        out(runExplain(rest));
        return 0;
      case 'lint':
        return lintCommand(rest, out, err);
      case 'probe':
        return probeCommand(rest, out, err);
      case '-v':
      case '--version':
        out(TOOL_VERSION);
        return 0;
      case undefined:
        err(HELP);
        return 2;
      case '-h':
      case '--help':
        out(HELP);
        return 0;
      case 'help':
        out(helpOf(rest[0]));
        return 0;
      default:
        throw new UsageError(
          `unknown command "${command}"${didYouMean(command, COMMANDS)}; commands: ${COMMANDS.join(', ')} (see proxytrust --help)`,
        );
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`proxytrust: ${escapeControls(e.message)}`);
      return 2;
    }
    err(`proxytrust: internal error: ${escapeControls((e as Error)?.stack ?? String(e), true)}`);
    return 70;
  }
}

/**
 * Run the CLI, including the asynchronous commands (`audit`, `demo`); resolves with the
 * exit status. Every other command goes through {@link main}.
 */
export async function run(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
  err: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): Promise<number> {
  const [command, ...rest] = argv;
  // loaded only when their command runs: the audit and the demo weigh more than the rest
  if (command === 'audit') return (await import('./audit.js')).auditCommand(rest, out, err);
  if (command === 'demo') return (await import('./demo.js')).demoCommand(rest, out, err);
  return main(argv, out, err);
}

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * A reader that goes away (`proxytrust audit ... | head`) is not an error: stop writing and
 * exit quietly, with the status a shell gives a process killed by SIGPIPE (141), and never
 * a stack trace.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(128 + 13);
    throw e;
  });
}

if (isMain()) {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
