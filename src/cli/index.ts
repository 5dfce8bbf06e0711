#!/usr/bin/env node
/**
 * The `proxytrust` command line.
 *
 * Exit status: 0 success, 1 a check failed, 2 usage error, 3 an audit target unreachable.
 */
import { auditCommand } from './audit.js';
import { demoCommand } from './demo.js';
import { EXPLAIN_HELP, runExplain } from './explain.js';
import { probeCommand } from './probe.js';
import { UsageError } from './usage.js';

const HELP = `Usage: proxytrust <command> [options]

Commands:
  explain    resolve one request and print the view and the trace (see: proxytrust explain --help)
  audit      prove that a live deployment keeps the trust contract (see: proxytrust audit --help)
  demo       start an embedded proxy chain, right and wrong, and audit both
  probe      print a probe for a Django, WSGI, ASGI or Node app (see: proxytrust probe --help)

  -h, --help     this help
  -v, --version  the version

${EXPLAIN_HELP}`;

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
      case 'probe':
        return probeCommand(rest, out, err);
      case '-v':
      case '--version':
        out(VERSION);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        out(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (try: proxytrust --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`proxytrust: ${e.message}`);
      return 2;
    }
    err(`proxytrust: internal error: ${(e as Error)?.stack ?? String(e)}`);
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
  if (command === 'audit') return auditCommand(rest, out, err);
  if (command === 'demo') return demoCommand(rest, out, err);
  return main(argv, out, err);
}

const VERSION = '0.1.0';

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
