"""The smallest WSGI app (404 for everything), wrapped by the WSGI probe: what each WSGI
server hands over, seen through the probe."""
from proxytrust_wsgi_probe import ProxytrustWsgiProbe


def _app(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]


application = ProxytrustWsgiProbe(_app)
