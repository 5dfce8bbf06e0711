import { contexts, remoteIp, walkAll } from '../apache/model.js';
import { apacheLine } from '../apache/parser.js';
import { coversAll } from '../model.js';
import type { ApacheRule, Hit } from '../rule.js';

/** mod_remoteip believes the client-IP header from every peer. */
export const apacheRemoteipTrustAll: ApacheRule = {
  id: 'apache/remoteip-trust-all',
  kind: 'apache',
  severity: 'error',
  title: 'mod_remoteip trusts every address',
  description:
    'RemoteIPTrustedProxy or RemoteIPInternalProxy covering every address (0.0.0.0/0, ::/0), or a RemoteIPHeader with no proxy listed at all (mod_remoteip then trusts every peer), lets any client choose the address that Require ip, logs (%a) and the app see, by sending the header itself.',
  fix: 'List only your load balancers: RemoteIPInternalProxy 10.0.0.0/8 (or RemoteIPTrustedProxy for public proxy addresses), never 0.0.0.0/0 or ::/0, and never RemoteIPHeader alone.',
  examples: {
    bad: [
      { text: 'RemoteIPHeader X-Forwarded-For\nRemoteIPTrustedProxy 0.0.0.0/0\n' },
      {
        text: '<VirtualHost *:80>\n  RemoteIPHeader X-Real-IP\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n',
      },
    ],
    good: [{ text: 'RemoteIPHeader X-Forwarded-For\nRemoteIPInternalProxy 10.0.0.0/8\n' }],
  },
  check(input) {
    const hits: Hit[] = [];
    const seen = new Set<string>();
    const add = (n: { file: string; line: number; col: number }, message: string, ev: string[]) => {
      const key = `${n.file}:${n.line}`;
      if (seen.has(key)) return;
      seen.add(key);
      hits.push({ at: { file: n.file, line: n.line, col: n.col }, message, evidence: ev });
    };
    for (const n of walkAll(input.nodes))
      if (
        (n.key === 'remoteiptrustedproxy' || n.key === 'remoteipinternalproxy') &&
        n.args.some(coversAll)
      )
        add(
          n,
          `${n.name} ${n.args.filter(coversAll).join(' ')} believes the client-IP header from every peer`,
          [apacheLine(n)],
        );
    for (const ctx of contexts(input)) {
      const rip = remoteIp(ctx);
      if (!rip.header || rip.proxies.length > 0 || rip.lists.length > 0) continue;
      add(
        rip.header,
        `RemoteIPHeader ${rip.header.args[0] ?? ''} with no RemoteIPTrustedProxy or RemoteIPInternalProxy: mod_remoteip believes it from every peer`,
        [apacheLine(rip.header)],
      );
    }
    return hits;
  },
};
