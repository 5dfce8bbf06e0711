"""proxytrust probe for Django 3.2 and later: one file, no dependency but Django.

It answers `proxytrust audit --probe-secret` with what Django itself computed for the
request: ``request.scheme``, ``request.is_secure()``, ``request.get_host()`` (or the
``DisallowedHost`` it raised), ``REMOTE_ADDR`` and the forwarded headers as received.

Install (docs/probes.md):

1. Copy this file next to your settings (any importable place).
2. Put it FIRST in ``MIDDLEWARE``, so that it answers over plain http before
   ``SecurityMiddleware`` redirects::

       MIDDLEWARE = ["proxytrust_probe.ProxytrustProbeMiddleware", *MIDDLEWARE]

3. Set ``PROXYTRUST_PROBE_SECRET`` (at least 16 characters) in the app's environment.
   Without it the middleware removes itself (``MiddlewareNotUsed``) and changes nothing.

Protocol (docs/probe-protocol.md): ``GET /.well-known/proxytrust/probe`` (or
``PROXYTRUST_PROBE_PATH``) with ``X-Proxytrust-Probe: t=<unix s>, sig=<hex
HMAC-SHA256(secret, "<t>\\n<path>")>``, valid for 30 s either side of this server's clock.
A request without a valid header is passed on untouched, so it gets exactly what the app
answers for that path (normally its 404). A request to any other path that carries a valid
header for its own path is a probe's own request: it is passed on too, and if Django's
CSRF check refuses it, the 403 carries ``X-Proxytrust-Csrf-Reason`` and the reason is
reported as ``csrf.lastFailure`` by the next probe answer of the same process.
"""

import hashlib
import hmac
import json
import os
import platform
import re
import threading
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpResponse
from django.http.request import split_domain_port

PROBE_KIND = "django"
PROBE_VERSION = 1
DEFAULT_PATH = "/.well-known/proxytrust/probe"
WINDOW_SECONDS = 30
CSRF_REASON_HEADER = "X-Proxytrust-Csrf-Reason"

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


def _wsgi_text(s):
    """A WSGI environ string (bytes decoded as latin-1) as the text the client sent."""
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def forwarded_lines(meta):
    """Host and every forwarded header, as the WSGI server handed them over."""
    out = {}
    for key, value in meta.items():
        if not key.startswith("HTTP_") or not isinstance(value, str):
            continue
        name = key[5:].lower().replace("_", "-")
        if name in SHOWN_HEADERS or name.startswith("x-forwarded-"):
            out[name] = [value]
    return out


def _error(e):
    return f"{type(e).__name__}: {e}"


# The last CSRF failure of a probe's own request, per process.
_last_csrf_failure = {"value": None}
_lock = threading.Lock()


def _wrap_failure_view(original):
    """CSRF_FAILURE_VIEW, recording the reason when the refused request is a probe's own."""
    from django.urls import get_callable

    def proxytrust_csrf_failure(request, reason=""):
        response = get_callable(original)(request, reason=reason)
        if getattr(request, "_proxytrust_probe", False):
            with _lock:
                _last_csrf_failure["value"] = {
                    "reason": str(reason),
                    "method": request.method,
                    "path": request.path,
                    "at": int(time.time()),
                }
            response[CSRF_REASON_HEADER] = str(reason).replace("\r", " ").replace("\n", " ")
        return response

    proxytrust_csrf_failure.proxytrust_wraps = original
    return proxytrust_csrf_failure


class ProxytrustProbeMiddleware:
    """The probe. Put it first in MIDDLEWARE; it is off without PROXYTRUST_PROBE_SECRET."""

    def __init__(self, get_response):
        self.get_response = get_response
        secret = os.environ.get("PROXYTRUST_PROBE_SECRET", "")
        if secret == "":
            raise MiddlewareNotUsed("PROXYTRUST_PROBE_SECRET is not set: the probe is off")
        if len(secret) < 16:
            raise ImproperlyConfigured(
                "PROXYTRUST_PROBE_SECRET must be at least 16 characters (or unset: probe off)"
            )
        path = os.environ.get("PROXYTRUST_PROBE_PATH", DEFAULT_PATH)
        if not path.startswith("/") or re.search(r"[?#\s]", path):
            raise ImproperlyConfigured(f"PROXYTRUST_PROBE_PATH {path!r} must be a path")
        self.secret = secret
        self.path = path
        current = settings.CSRF_FAILURE_VIEW
        if getattr(current, "proxytrust_wraps", None) is None:
            settings.CSRF_FAILURE_VIEW = _wrap_failure_view(current)

    def __call__(self, request):
        header = request.META.get("HTTP_X_PROXYTRUST_PROBE")
        if header is not None:
            now = time.time()
            if request.method == "GET" and request.path_info == self.path:
                if verify(self.secret, header, self.path, now) or verify(
                    self.secret, header, request.path, now
                ):
                    return self.answer(request)
            elif any(verify(self.secret, header, p, now) for p in self._signed_paths(request)):
                request._proxytrust_probe = True
        return self.get_response(request)

    @staticmethod
    def _signed_paths(request):
        """The paths a probe's own request may have been signed over (raw first)."""
        raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
        paths = []
        if isinstance(raw, str) and raw.startswith("/"):
            paths.append(_wsgi_text(raw.split("?", 1)[0]))
        for p in (request.path, request.path_info):
            if p not in paths:
                paths.append(p)
        return paths

    def answer(self, request):
        meta = request.META
        errors = {}
        app = {}
        scheme = None
        try:
            scheme = request.scheme
            app["request.scheme"] = scheme
            app["request.is_secure()"] = request.is_secure()
        except Exception as e:  # e.g. ImproperlyConfigured for a bad SECURE_PROXY_SSL_HEADER
            errors["scheme"] = _error(e)
        host = None
        try:
            host = request.get_host()
            app["request.get_host()"] = host
        except Exception as e:  # DisallowedHost, for a host outside ALLOWED_HOSTS
            errors["host"] = _error(e)
        try:
            app["request.get_port()"] = request.get_port()
        except Exception as e:
            errors["port"] = _error(e)
        remote = meta.get("REMOTE_ADDR")
        app["REMOTE_ADDR"] = remote
        hostname = None
        port = None
        if host is not None:
            domain, port_text = split_domain_port(host)
            hostname = domain[1:-1] if domain.startswith("[") else domain
            if port_text:
                port = int(port_text)
            elif scheme is not None:
                port = 443 if scheme == "https" else 80
        doc = {
            "version": PROBE_VERSION,
            "probe": PROBE_KIND,
            "view": {
                "scheme": scheme,
                "secure": scheme == "https" if scheme is not None else None,
                "host": host,
                "hostname": hostname,
                "port": port,
                "clientIp": remote,
            },
            "app": app,
            "errors": errors,
            "config": {
                "SECURE_PROXY_SSL_HEADER": _jsonable(settings.SECURE_PROXY_SSL_HEADER),
                "USE_X_FORWARDED_HOST": settings.USE_X_FORWARDED_HOST,
                "USE_X_FORWARDED_PORT": settings.USE_X_FORWARDED_PORT,
                "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
                "ALLOWED_HOSTS": _jsonable(settings.ALLOWED_HOSTS),
                "CSRF_TRUSTED_ORIGINS": _jsonable(settings.CSRF_TRUSTED_ORIGINS),
            },
            "forwarded": forwarded_lines(meta),
            "headerLines": "joined",
            "warnings": [],
            "csrf": {"lastFailure": _last_csrf_failure["value"]},
            "software": {
                "django": _django_version(),
                "server": meta.get("SERVER_SOFTWARE"),
                "python": platform.python_version(),
            },
        }
        response = HttpResponse(
            json.dumps(doc), content_type="application/json; charset=utf-8", status=200
        )
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _jsonable(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _django_version():
    import django

    return django.get_version()
