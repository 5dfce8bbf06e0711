/**
 * Chunked-encoding amplification: a target that answers every request with a body of
 * 1-byte chunks up to the body cap must cost the auditor bounded memory and time, and must
 * not move any other target's verdict in a fleet run. The audit runs in a child process so
 * that its peak RSS (VmHWM) is its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import https from 'node:https';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TargetOptions } from '../../src/audit/context.js';
import { CERT, close, listen, serveApp } from './servers.js';

const CHILD = fileURLToPath(new URL('./fixtures/audit-child.ts', import.meta.url));
const MiB = 1024 * 1024;

interface ChildResult {
  peakRss: number;
  ms: number;
  targets: { url: string; reachable: boolean; verdicts: Record<string, string> }[];
}

function auditInChild(targets: readonly TargetOptions[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}: ${out}`));
      else resolve(JSON.parse(out) as ChildResult);
    });
    child.stdin.end(JSON.stringify(targets));
  });
}

/** Every request gets a 200 whose body is 1 MiB of 1-byte chunks (6 MiB on the wire). */
async function chunkBomb(): Promise<TargetOptions> {
  const body = Buffer.from('1\r\nx\r\n'.repeat(MiB));
  const server = https.createServer({ cert: CERT.cert, key: CERT.key });
  server.on('request', (req, res) => {
    req.resume();
    res.socket?.on('error', () => {});
    res.socket?.write(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nStrict-Transport-Security: max-age=31536000\r\n\r\n',
    );
    res.socket?.write(body);
    res.socket?.end('0\r\n\r\n');
  });
  server.on('clientError', () => {});
  const port = await listen(server);
  after(() => close(server));
  return {
    url: `https://app.test:${port}/`,
    httpUrl: 'http://app.test:1/',
    rules: { resolve: [{ host: 'app.test', port, address: '127.0.0.1' }], connectTo: [] },
    ca: CERT.cert,
    timeoutMs: 5000,
  };
}

describe('chunked-encoding amplification', () => {
  test('1-byte chunks up to the body cap: peak RSS within 32 MiB of a plain target; other verdicts unmoved', async () => {
    const good = await serveApp();
    const bad = await serveApp({ mode: 'naive' });
    after(() => Promise.all([good.stop(), bad.stop()]));
    const bomb = await chunkBomb();

    const plain = await auditInChild([good.options]);
    const hostile = await auditInChild([bomb]);
    const grew = hostile.peakRss - plain.peakRss;
    process.stdout.write(
      `# peak RSS: plain ${(plain.peakRss / MiB).toFixed(1)} MiB (${plain.ms} ms), chunk bomb ${(hostile.peakRss / MiB).toFixed(1)} MiB (${hostile.ms} ms)\n`,
    );
    assert.ok(grew <= 32 * MiB, `the chunk bomb raised peak RSS by ${(grew / MiB).toFixed(1)} MiB`);
    assert.equal(hostile.targets[0]!.reachable, true);

    const alone = await auditInChild([good.options, bad.options]);
    const fleet = await auditInChild([good.options, bomb, bad.options, bomb]);
    assert.deepEqual(fleet.targets[0]!.verdicts, alone.targets[0]!.verdicts);
    assert.deepEqual(fleet.targets[2]!.verdicts, alone.targets[1]!.verdicts);
    assert.ok(Object.values(alone.targets[0]!.verdicts).every((s) => s === 'pass'));
  });
});
