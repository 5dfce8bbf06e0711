"""Flask (werkzeug) behind a proxy, with the WSGI probe innermost. LAB_PROXYFIX=1 wraps it
in ProxyFix(x_for=1, x_proto=1, x_host=1), the usual way; without it Flask believes what
the WSGI server hands it (gunicorn sets wsgi.url_scheme only for forwarded_allow_ips)."""
import os

from flask import Flask, Response, request
from labpolicy import decide
from proxytrust_wsgi_probe import ProxytrustWsgiProbe
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def site(path):
    status, headers, body = decide(
        request.method,
        request.path,
        request.scheme,
        request.host,
        request.remote_addr,
        request.headers.get("Origin"),
    )
    return Response(body, status=status, headers=headers)


wsgi = ProxytrustWsgiProbe(app.wsgi_app)
if os.environ.get("LAB_PROXYFIX") == "1":
    wsgi = ProxyFix(wsgi, x_for=1, x_proto=1, x_host=1)
app.wsgi_app = wsgi
application = app
