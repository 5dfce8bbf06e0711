/**
 * The help texts of the asynchronous commands (`audit`, `demo`), apart from their modules so
 * that `proxytrust help audit` and every other command start without loading the audit
 * and the demo (the CLI imports those only when their command runs).
 */
import { CHECK_IDS } from '../audit/types.js';

/** `proxytrust audit --help`. */
export const AUDIT_HELP = `Usage: proxytrust audit <https-url> [options]
       proxytrust audit --targets FILE [options]
       proxytrust audit [--config FILE] [options]   (the targets of ./proxytrust.json)

Prove that a live deployment keeps the trust contract: one clean https redirect, no loop,
spoofed forwarded headers ignored, foreign Host rejected, HSTS, cookie flags, CSRF origin
check, health checks not redirected; with --probe-secret, what the app itself believed.

  --http-url URL           the plain-http entry point (default: the same host on http)
  --resolve H:P:ADDR       connect to ADDR for H:P (curl-compatible; repeatable)
  --connect-to H1:P1:H2:P2 connect to H2:P2 instead of H1:P1 (curl-compatible; repeatable)
  --interface ADDR         the local address to connect from
  --cacert FILE            trust this CA (PEM) too
  --insecure               do not verify certificates (staging only)
  --health PATH            a health-check path that must not be redirected (repeatable)
  --csrf-path PATH         an endpoint that accepts POST (for csrf-origin)
  --cookie-path PATH       a page that sets cookies (for cookie-flags; default the URL's path)
  --probe-secret S         the app's proxytrust probe secret (or env PROXYTRUST_PROBE_SECRET)
  --probe-path PATH        the probe path (default /.well-known/proxytrust/probe)
  --hsts-min-age N         the least HSTS max-age accepted, seconds (default 15552000)
  --only IDS, --skip IDS   comma-separated check ids to run, or not to run
  --format F               text (default), json, junit, sarif or html (one self-contained page)
  --output FILE            write the report to FILE instead of standard output
  --timeout MS             the time limit of one request (default 10000)
  --targets FILE           audit many targets: one URL per line, or JSON with per-target options
  --config FILE            the project config (default ./proxytrust.json, read when no URL
                           and no --targets is given; see docs/config.md)
  --concurrency N          targets audited at once in fleet mode (default 8)
  --verbose                print each request and response (to standard error)
  --no-color               no colours in the text report (also NO_COLOR)
  -h, --help               this help

Checks: ${CHECK_IDS.join(', ')}

Exit status: 0 no check failed, 1 a check failed or ended in error, 2 usage error,
3 a target was unreachable (and nothing else failed).`;

/** `proxytrust demo --help`. */
export const DEMO_HELP = `Usage: proxytrust demo [--json] [--no-color]

Start two small proxy chains in this process (a TLS edge, a load balancer, an app), one
configured right and one with the classic mistakes (appended proto header, client headers
passed through, a proto header set twice, no host check), audit both and print the reports.
Needs nothing but Node; it exits by itself.

  --json       print both reports as JSON ({ right, wrong })
  --no-color   no colours (also NO_COLOR)
  -h, --help   this help`;
