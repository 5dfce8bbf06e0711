/**
 * The explain trace: how a view was reached, hop by hop, what was believed and why.
 */
import type { Policy } from './policy.js';
import type { FieldSource, Hop, View } from './resolve.js';

function source(s: FieldSource): string {
  if (s.from === 'socket') return 'the socket';
  if (s.from === 'host' && s.hop < 0) return 'the Host header';
  return s.hop >= 0 ? `${s.from} (hop ${s.hop}'s entry)` : s.from;
}

function unknownWhy(s: FieldSource): string {
  return s.from === 'unknown'
    ? `believed headers disagree about hop ${s.hop}'s client (see the warnings)`
    : `${s.from} at hop ${s.hop} does not name a usable address (see the warnings)`;
}

function reported(h: Hop): string {
  const e = h.entry;
  if (!e) return '';
  if (e.malformed !== undefined) return `malformed entry "${e.raw}" (${e.malformed}): not believed`;
  const parts: string[] = [];
  if (e.client) {
    parts.push(
      `client=${e.client.kind === 'ip' ? e.client.ip : e.client.kind === 'unknown' ? 'unknown' : e.client.id}`,
    );
  }
  if (e.proto !== undefined) parts.push(`proto=${e.proto}`);
  if (e.host !== undefined) parts.push(`host=${e.host}`);
  if (e.port !== undefined) parts.push(`port=${e.port}`);
  if (e.prefix !== undefined) parts.push(`prefix=${e.prefix}`);
  return parts.length ? `reported ${parts.join(' ')}` : 'reported nothing';
}

/**
 * A human-readable, multi-line trace of a view. Pass the policy to say which trust entry
 * matched each hop.
 */
export function explain(view: View, policy?: Policy): string {
  const out: string[] = [];
  const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));
  if (policy !== undefined) {
    out.push(
      `believed headers: ${policy.headers.length ? policy.headers.join(', ') : '(none)'} (no other header is read as forwarded information)`,
    );
  }
  out.push(
    view.chain
      ? `walk (${view.chain === 'forwarded' ? 'RFC 7239 Forwarded' : 'X-Forwarded-*'}), from the socket peer out to the client:`
      : 'walk, from the socket peer:',
  );
  const last = view.hops.length - 1;
  view.hops.forEach((h, i) => {
    let why: string;
    if (h.trusted) {
      const reason = policy?.trustReason(h.address, h.index);
      why = `trusted${reason ? ` (${reason})` : ''}`;
    } else {
      why = i === 0 ? 'NOT trusted: forwarded headers ignored' : 'NOT trusted: this is the client';
    }
    const rep = reported(h);
    const tail = h.trusted && i === last && !h.entry ? ' ; no further entries: the client' : '';
    out.push(`  hop ${h.index}  ${pad(h.address, 18)}${why}${rep ? ` ; ${rep}` : ''}${tail}`);
  });
  out.push('result:');
  out.push(`  scheme    ${pad(view.scheme, 22)}from ${source(view.sources.scheme)}`);
  out.push(`  secure    ${view.secure ? 'yes' : 'no'}`);
  out.push(`  host      ${pad(view.host ?? '(none)', 22)}from ${source(view.sources.host)}`);
  out.push(`  port      ${pad(String(view.port), 22)}from ${source(view.sources.port)}`);
  out.push(
    view.clientIp === undefined
      ? `  client    ${pad('(unknown)', 22)}${unknownWhy(view.sources.clientIp)}`
      : `  client    ${pad(view.clientIp + (view.clientPort !== undefined ? ` port ${view.clientPort}` : ''), 22)}from ${source(view.sources.clientIp)}`,
  );
  if (view.clientIdentifier !== undefined) out.push(`  client id ${view.clientIdentifier}`);
  if (view.prefix !== undefined) out.push(`  prefix    ${view.prefix}`);
  if (view.hostAllowed !== undefined) {
    out.push(`  allowed   ${view.hostAllowed ? 'yes' : 'NO: the host is not in allowedHosts'}`);
  }
  const ws = [...(policy?.warnings ?? []), ...view.warnings];
  if (ws.length) {
    out.push('warnings:');
    for (const w of ws) out.push(`  ${w.code}: ${w.message}`);
  } else {
    out.push('warnings: none');
  }
  return out.join('\n');
}
