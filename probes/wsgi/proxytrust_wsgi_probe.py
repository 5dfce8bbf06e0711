"""proxytrust probe for any WSGI application (Flask, Bottle, Pyramid, Falcon, ...): one
file, standard library only.

It answers `proxytrust audit --probe-secret` with what the WSGI server (and every
middleware outside the probe) computed for the request: ``wsgi.url_scheme``, the host
(``HTTP_HOST``, else ``SERVER_NAME:SERVER_PORT``), ``REMOTE_ADDR`` and the forwarded
headers as received.

Install (docs/probes.md): copy this file into your project and wrap the application
innermost, so that the probe sees what the application sees (inside ProxyFix)::

    from proxytrust_wsgi_probe import ProxytrustWsgiProbe
    app.wsgi_app = ProxytrustWsgiProbe(app.wsgi_app)          # Flask
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)          # then ProxyFix, if you use it

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

PROBE_KIND = "wsgi"
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


def forwarded_lines(environ):
    """Host and every forwarded header, as the WSGI server handed them over."""
    out = {}
    for key, value in environ.items():
        if not key.startswith("HTTP_") or not isinstance(value, str):
            continue
        name = key[5:].lower().replace("_", "-")
        if name in SHOWN_HEADERS or name.startswith("x-forwarded-"):
            out[name] = [value]
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


class ProxytrustWsgiProbe:
    """WSGI middleware: the probe. Off (a pass-through) without PROXYTRUST_PROBE_SECRET."""

    def __init__(self, app, secret=None, path=None):
        self.app = app
        self.secret, self.path = _config(secret, path)

    def __call__(self, environ, start_response):
        if self.secret is not None:
            header = environ.get("HTTP_X_PROXYTRUST_PROBE")
            if (
                header is not None
                and environ.get("REQUEST_METHOD") == "GET"
                and environ.get("PATH_INFO") == self.path
            ):
                now = time.time()
                full = environ.get("SCRIPT_NAME", "") + self.path
                if verify(self.secret, header, self.path, now) or verify(
                    self.secret, header, full, now
                ):
                    body = json.dumps(self.answer(environ)).encode("utf-8")
                    start_response(
                        "200 OK",
                        [
                            ("Content-Type", "application/json; charset=utf-8"),
                            ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store"),
                            ("X-Content-Type-Options", "nosniff"),
                        ],
                    )
                    return [body]
        return self.app(environ, start_response)

    @staticmethod
    def answer(environ):
        """The probe document for this environ."""
        scheme = environ.get("wsgi.url_scheme")
        host = environ.get("HTTP_HOST")
        if not host and environ.get("SERVER_NAME"):
            # PEP 3333's URL reconstruction.
            host = environ["SERVER_NAME"]
            port = str(environ.get("SERVER_PORT", ""))
            if port and port != ("443" if scheme == "https" else "80"):
                host = f"{host}:{port}"
        hostname, port = _split_host(host) if host else (None, None)
        if hostname is not None and port is None and scheme in ("http", "https"):
            port = 443 if scheme == "https" else 80
        app = {
            key: environ.get(key)
            for key in (
                "wsgi.url_scheme",
                "HTTP_HOST",
                "SERVER_NAME",
                "SERVER_PORT",
                "REMOTE_ADDR",
                "SCRIPT_NAME",
            )
        }
        return {
            "version": PROBE_VERSION,
            "probe": PROBE_KIND,
            "view": {
                "scheme": scheme if scheme in ("http", "https") else None,
                "secure": scheme == "https" if scheme in ("http", "https") else None,
                "host": host or None,
                "hostname": hostname,
                "port": port,
                "clientIp": environ.get("REMOTE_ADDR"),
            },
            "app": app,
            "forwarded": forwarded_lines(environ),
            "headerLines": "joined",
            "warnings": [],
            "software": {
                "server": environ.get("SERVER_SOFTWARE"),
                "python": platform.python_version(),
            },
        }
