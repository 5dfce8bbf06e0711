"""proxytrust probe for any ASGI application (Starlette, FastAPI, Quart, Django's ASGI
handler, ...): one file, standard library only.

It answers `proxytrust audit --probe-secret` with what the ASGI server (and every
middleware outside the probe) computed for the request: ``scope["scheme"]``, the host
(the ``Host`` header, else ``scope["server"]``), ``scope["client"]`` and the forwarded
headers as received, one array element per header line.

Install (docs/probes.md): copy this file into your project and wrap the application
innermost, so that the probe sees what the application sees::

    from proxytrust_asgi_probe import ProxytrustAsgiProbe
    app = ProxytrustAsgiProbe(app)

and set ``PROXYTRUST_PROBE_SECRET`` (at least 16 characters) in the app's environment.
Without it the wrapper passes every request straight through.

Protocol: docs/probe-protocol.md. Unauthenticated requests are passed on untouched.
"""

import hashlib
import hmac
import json
import os
import platform
import re
import time

PROBE_KIND = "asgi"
PROBE_VERSION = 1
DEFAULT_PATH = "/.well-known/proxytrust/probe"
WINDOW_SECONDS = 30

# The forwarded headers a probe reports (every family proxytrust knows, plus Host); any
# other X-Forwarded-* header is reported too.
SHOWN_HEADERS = frozenset(
    [
        "host",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-forwarded-port",
        "x-forwarded-prefix",
        "x-real-ip",
        "cloudfront-forwarded-proto",
        "cloudfront-viewer-address",
        "cf-connecting-ip",
        "cf-visitor",
        "true-client-ip",
        "fly-client-ip",
        "x-forwarded-ssl",
        "front-end-https",
        "x-forwarded-protocol",
        "x-url-scheme",
    ]
)

_HEADER = re.compile(r"t=([0-9]{1,12}),\s*sig=([0-9a-f]{64})")


def sign(secret, path, now=None):
    """The X-Proxytrust-Probe value for ``path`` at ``now`` (unix seconds)."""
    t = int(time.time() if now is None else now)
    mac = hmac.new(secret.encode("utf-8"), f"{t}\n{path}".encode("utf-8"), hashlib.sha256)
    return f"t={t}, sig={mac.hexdigest()}"


def verify(secret, header, path, now=None, window=WINDOW_SECONDS):
    """True only for a well-formed header, inside the window, whose signature matches."""
    if not isinstance(header, str) or len(header) > 200:
        return False
    m = _HEADER.fullmatch(header.strip())
    if not m:
        return False
    t = int(m.group(1))
    if abs(int(time.time() if now is None else now) - t) > window:
        return False
    want = hmac.new(secret.encode("utf-8"), f"{t}\n{path}".encode("utf-8"), hashlib.sha256)
    return hmac.compare_digest(want.hexdigest(), m.group(2))


def forwarded_lines(headers):
    """Host and every forwarded header line, in order, from scope["headers"]."""
    out = {}
    for raw_name, raw_value in headers:
        name = bytes(raw_name).decode("latin-1").lower()
        if name in SHOWN_HEADERS or name.startswith("x-forwarded-"):
            out.setdefault(name, []).append(bytes(raw_value).decode("latin-1"))
    return out


def _split_host(host):
    """(hostname, port or None) of a Host value; IPv6 without brackets."""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return host, None
        rest = host[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
        return host[1:end], int(port) if port.isdigit() else None
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        return name, int(port)
    return host, None


def _config(secret, path):
    secret = os.environ.get("PROXYTRUST_PROBE_SECRET", "") if secret is None else secret
    path = os.environ.get("PROXYTRUST_PROBE_PATH", DEFAULT_PATH) if path is None else path
    if secret == "":
        return None, path
    if len(secret) < 16:
        raise ValueError("PROXYTRUST_PROBE_SECRET must be at least 16 characters (or unset: probe off)")
    if not path.startswith("/") or re.search(r"[?#\s]", path):
        raise ValueError(f"PROXYTRUST_PROBE_PATH {path!r} must be a path")
    return secret, path


class ProxytrustAsgiProbe:
    """ASGI 3 middleware: the probe. Off (a pass-through) without PROXYTRUST_PROBE_SECRET."""

    def __init__(self, app, secret=None, path=None):
        self.app = app
        self.secret, self.path = _config(secret, path)

    async def __call__(self, scope, receive, send):
        if (
            self.secret is not None
            and scope.get("type") == "http"
            and scope.get("method") == "GET"
            and scope.get("path") == self.path
        ):
            lines = [v for n, v in scope.get("headers", ()) if bytes(n).lower() == b"x-proxytrust-probe"]
            if len(lines) == 1:
                header = bytes(lines[0]).decode("latin-1")
                now = time.time()
                full = scope.get("root_path", "") + self.path
                if verify(self.secret, header, self.path, now) or verify(
                    self.secret, header, full, now
                ):
                    body = json.dumps(self.answer(scope)).encode("utf-8")
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [
                                (b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode("ascii")),
                                (b"cache-control", b"no-store"),
                                (b"x-content-type-options", b"nosniff"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)

    @staticmethod
    def answer(scope):
        """The probe document for this scope."""
        scheme = scope.get("scheme", "http")
        headers = scope.get("headers", ())
        hosts = [bytes(v).decode("latin-1") for n, v in headers if bytes(n).lower() == b"host"]
        server = scope.get("server")
        client = scope.get("client")
        host = hosts[0] if len(hosts) == 1 else None
        if not hosts and server:
            name, port = server[0], server[1]
            if port is not None and port != (443 if scheme == "https" else 80):
                host = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
            else:
                host = f"[{name}]" if ":" in name else name
        hostname, port = _split_host(host) if host else (None, None)
        if hostname is not None and port is None and scheme in ("http", "https"):
            port = 443 if scheme == "https" else 80
        return {
            "version": PROBE_VERSION,
            "probe": PROBE_KIND,
            "view": {
                "scheme": scheme if scheme in ("http", "https") else None,
                "secure": scheme == "https" if scheme in ("http", "https") else None,
                "host": host,
                "hostname": hostname,
                "port": port,
                "clientIp": client[0] if client else None,
            },
            "app": {
                'scope["scheme"]': scope.get("scheme"),
                'scope["server"]': list(server) if server else None,
                'scope["client"]': list(client) if client else None,
                'scope["root_path"]': scope.get("root_path", ""),
            },
            "forwarded": forwarded_lines(headers),
            "headerLines": "separate",
            "warnings": [],
            "software": {"python": platform.python_version()},
        }
