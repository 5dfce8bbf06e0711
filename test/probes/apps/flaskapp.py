"""A Flask app behind a proxy the usual way (werkzeug ProxyFix trusting one hop for the
scheme, host and client), with the WSGI probe innermost so it sees what Flask sees.
/__app/ returns what Flask believes, for the tests to compare with the probe."""
from flask import Flask, jsonify, request
from proxytrust_wsgi_probe import ProxytrustWsgiProbe
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)


@app.route("/__app/")
def believes():
    return jsonify(
        scheme=request.scheme,
        secure=request.is_secure,
        host=request.host,
        remote_addr=request.remote_addr,
    )


app.wsgi_app = ProxyFix(ProxytrustWsgiProbe(app.wsgi_app), x_for=1, x_proto=1, x_host=1)
application = app
