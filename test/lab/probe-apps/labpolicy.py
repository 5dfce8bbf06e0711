"""The lab's small site, the same for every framework (test/lab/framework-apps.ts is the
Node twin): what a careful app does with what its framework believes about a request.

- a Host other than app.example.com: 400;
- /healthz: 200 over http and https;
- any other request the framework believes is http: 301 to https, same host and path;
- over https: HSTS; GET / sets a Secure, HttpOnly, SameSite session cookie; pages link to
  themselves with an absolute URL built from the believed scheme and host;
- POST: 403 unless Origin equals the believed origin (scheme://host), else 200;
- /__app/: what the framework believes (scheme, host, client), for the lab to compare.
"""
import html
import json

APP_HOST = "app.example.com"
SESSION_COOKIE = "session=lab; Path=/; Secure; HttpOnly; SameSite=Lax"


def _hostname(host):
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def decide(method, path, scheme, host, client, origin):
    """(status, [(name, value)], body) for a request, from the framework's belief."""
    host = host or ""
    if path == "/__app/":
        body = json.dumps({"scheme": scheme, "host": host, "ip": client})
        return 200, [("Content-Type", "application/json")], body
    if _hostname(host).lower() != APP_HOST:
        return 400, [("Content-Type", "text/plain")], "Bad Request"
    if path == "/healthz":
        return 200, [("Content-Type", "text/plain")], "ok"
    if scheme != "https":
        return 301, [("Location", "https://%s%s" % (host, path))], ""
    headers = [("Strict-Transport-Security", "max-age=31536000")]
    if method == "POST":
        if origin != "%s://%s" % (scheme, host):
            return 403, headers + [("Content-Type", "text/plain")], "Forbidden"
        return 200, headers + [("Content-Type", "text/plain")], "accepted"
    if path == "/":
        headers.append(("Set-Cookie", SESSION_COOKIE))
    link = html.escape("%s://%s/form" % (scheme, host))
    return 200, headers + [("Content-Type", "text/html")], '<a href="%s">form</a>' % link
