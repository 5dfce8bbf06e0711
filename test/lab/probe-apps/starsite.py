"""Starlette under uvicorn (its --proxy-headers and --forwarded-allow-ips decide the scheme
and client), wrapped by the ASGI probe."""
from labpolicy import decide
from proxytrust_asgi_probe import ProxytrustAsgiProbe
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route


async def site(request):
    status, headers, body = decide(
        request.method,
        request.url.path,
        request.url.scheme,
        request.headers.get("host", ""),
        request.client.host if request.client else None,
        request.headers.get("origin"),
    )
    response = Response(body, status_code=status)
    for name, value in headers:
        response.headers.append(name, value)
    return response


app = ProxytrustAsgiProbe(
    Starlette(routes=[Route("/{path:path}", site, methods=["GET", "POST"])])
)
