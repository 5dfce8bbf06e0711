import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TOOL_VERSION } from '../../src/audit/types.js';
import { main } from '../../src/cli/index.js';

test('the CLI, the reports and package.json give one version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(TOOL_VERSION, pkg.version);
  const out: string[] = [];
  assert.equal(
    main(['--version'], (s) => out.push(s)),
    0,
  );
  assert.deepEqual(out, [pkg.version]);
});
