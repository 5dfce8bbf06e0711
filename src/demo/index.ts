/**
 * `proxytrust demo`: start two embedded chains (one right, one with the classic mistakes),
 * audit both, and return the reports. Needs no external binary; everything stops at the end.
 */
import { randomBytes } from 'node:crypto';
import { auditTarget, makeReport } from '../audit/run.js';
import type { AuditReport } from '../audit/types.js';
import { generateThrowawayCert } from './cert.js';
import { type ChainKind, startChain } from './chain.js';

/** One chain's audit. */
export interface DemoResult {
  readonly kind: ChainKind;
  readonly description: readonly string[];
  readonly report: AuditReport;
}

/** Run the demo: both chains, audited in turn, then stopped. */
export async function runDemo(): Promise<DemoResult[]> {
  const cert = generateThrowawayCert(['localhost', '127.0.0.1']);
  const secret = randomBytes(16).toString('hex');
  const out: DemoResult[] = [];
  for (const kind of ['right', 'wrong'] as const) {
    const chain = await startChain(kind, cert, secret);
    try {
      const startedAt = new Date().toISOString();
      const t0 = performance.now();
      const t = await auditTarget(chain.target);
      out.push({
        kind,
        description: chain.description,
        report: makeReport([t], startedAt, performance.now() - t0),
      });
    } finally {
      await chain.stop();
    }
  }
  return out;
}
