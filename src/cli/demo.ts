/**
 * `proxytrust demo` (`npm start`): an embedded chain configured right and one with the
 * classic mistakes, each audited; prints the two reports and exits. Exit status 0 when the
 * right chain passes and the wrong one fails, as it should; 1 otherwise.
 */
import { renderJson } from '../audit/report/json.js';
import { renderText } from '../audit/report/text.js';
import { runDemo } from '../demo/index.js';
import { DEMO_HELP } from './help.js';
import { parseCommandLine } from './usage.js';

export { DEMO_HELP };

/** Run the demo; resolves with the exit status. */
export async function demoCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let values: { json?: boolean; 'no-color'?: boolean; help?: boolean };
  try {
    values = parseCommandLine(
      'demo',
      argv,
      {
        json: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      false,
    ).values;
  } catch (e) {
    err(`proxytrust: ${(e as Error).message}`);
    return 2;
  }
  if (values.help) {
    out(DEMO_HELP);
    return 0;
  }
  const results = await runDemo();
  const right = results.find((r) => r.kind === 'right')!;
  const wrong = results.find((r) => r.kind === 'wrong')!;
  const ok =
    right.report.summary.fail + right.report.summary.error === 0 && wrong.report.summary.fail > 0;
  if (values.json) {
    out(renderJson({ right: right.report, wrong: wrong.report } as never).trimEnd());
    return ok ? 0 : 1;
  }
  const color = process.stdout.isTTY === true && !values['no-color'] && !process.env.NO_COLOR;
  const bold = (t: string) => (color ? `\u001b[1m${t}\u001b[0m` : t);
  for (const r of results) {
    out(
      bold(
        r.kind === 'right' ? '=== Chain 1: configured right' : '=== Chain 2: the classic mistakes',
      ),
    );
    for (const d of r.description) out(`  ${d}`);
    out('');
    out(renderText(r.report, { color }));
    out('');
  }
  out(
    bold(
      `Right chain: ${right.report.summary.pass} of ${right.report.targets[0]?.results.length} checks pass. ` +
        `Wrong chain: ${wrong.report.summary.fail} checks fail, each with its fix above.`,
    ),
  );
  out(
    'Audit your own deployment: proxytrust audit https://staging.example.com/ --health /healthz (see docs/audit.md)',
  );
  return ok ? 0 : 1;
}
