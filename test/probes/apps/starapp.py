"""A Starlette app (run by uvicorn with --proxy-headers), wrapped by the ASGI probe.
/__app/ returns what Starlette believes, for the tests to compare with the probe."""
from proxytrust_asgi_probe import ProxytrustAsgiProbe
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def believes(request):
    return JSONResponse(
        {
            "scheme": request.url.scheme,
            "host": request.headers.get("host"),
            "client": request.client.host if request.client else None,
        }
    )


app = ProxytrustAsgiProbe(Starlette(routes=[Route("/__app/", believes)]))
