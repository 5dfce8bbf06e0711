import { trustsAll, uvicornWorker } from '../appserver/model.js';
import type { AppServerRule, Hit } from '../rule.js';

/** gunicorn or uvicorn forwarded_allow_ips = '*': every client is a trusted proxy. */
export const appserverForwardedAllowIpsAll: AppServerRule = {
  id: 'appserver/forwarded-allow-ips-all',
  kind: 'appserver',
  alsoKinds: ['compose'],
  severity: 'error',
  title: "forwarded_allow_ips = '*' believes forwarded headers from every peer",
  description:
    "gunicorn and uvicorn believe forwarded headers only from the addresses in forwarded_allow_ips (default 127.0.0.1, or the FORWARDED_ALLOW_IPS environment variable). With '*' anyone who reaches the port chooses the scheme (gunicorn's secure_scheme_headers, uvicorn's X-Forwarded-Proto), and uvicorn then takes the client address from the leftmost X-Forwarded-For entry, which the client writes itself even behind a proxy that appends.",
  fix: 'List the proxies that connect to the app: --forwarded-allow-ips=10.0.0.5 (gunicorn: forwarded_allow_ips = "10.0.0.5"; or FORWARDED_ALLOW_IPS=10.0.0.5), never *.',
  examples: {
    bad: [
      { text: "bind = '0.0.0.0:8000'\nforwarded_allow_ips = '*'\n" },
      {
        name: 'Procfile',
        text: 'web: uvicorn app.main:app --host 0.0.0.0 --port $PORT --proxy-headers --forwarded-allow-ips="*"\n',
      },
      {
        name: 'Dockerfile',
        text: 'FROM python:3.12\nENV FORWARDED_ALLOW_IPS=*\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "app.wsgi"]\n',
      },
    ],
    good: [
      { text: "bind = '0.0.0.0:8000'\nforwarded_allow_ips = '10.0.0.5'\n" },
      {
        name: 'Procfile',
        text: 'web: uvicorn app.main:app --host 0.0.0.0 --port $PORT --no-proxy-headers --forwarded-allow-ips="*"\n',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const s of input.servers) {
      if (s.server === 'uwsgi' || !trustsAll(s.forwardedAllowIps)) continue;
      if (s.server === 'uvicorn' && s.proxyHeaders?.on === false) continue;
      const f = s.forwardedAllowIps!;
      const uv = s.server === 'uvicorn' || uvicornWorker(s);
      const how = f.fromEnv ? 'FORWARDED_ALLOW_IPS=*' : "forwarded_allow_ips '*'";
      hits.push({
        at: f.at,
        message: uv
          ? `${s.server}${s.server === 'gunicorn' ? ' (uvicorn worker)' : ''} with ${how} believes X-Forwarded-Proto from every peer and takes the client from the leftmost X-Forwarded-For, which the client writes`
          : `gunicorn with ${how} believes its secure_scheme_headers from every peer: any client can claim https`,
        evidence: [f.evidence, ...(f.evidence === s.evidence ? [] : [s.evidence])],
      });
    }
    return hits;
  },
};
