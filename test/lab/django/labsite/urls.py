"""The reference target's pages.

/             a page with an absolute link built from what Django believes; sets a session
/healthz      what a load balancer's health check asks for (plain text "ok")
/form/        GET: a form with a CSRF token (sets csrftoken); POST: accepts the form
/nocookie/    GET: a page that sets no cookie and renders no token; POST: accepts (CSRF-checked)
/__django/    JSON: what Django believes (scheme, is_secure, host, absolute URI, REMOTE_ADDR)
"""
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def index(request):
    request.session["seen"] = True
    url = request.build_absolute_uri("/next")
    return HttpResponse(f'<!doctype html><a href="{url}">next</a>\n')


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")


def form(request):
    if request.method == "POST":
        return HttpResponse("accepted\n", content_type="text/plain")
    token = get_token(request)
    return HttpResponse(
        f'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{token}"></form>\n'
    )


def nocookie(request):
    if request.method == "POST":
        return HttpResponse("accepted\n", content_type="text/plain")
    return HttpResponse("<p>nothing to see</p>\n")


if settings.LAB_CSRF_EXEMPT_FORM:
    form = csrf_exempt(form)


def believes(request):
    return JsonResponse(
        {
            "scheme": request.scheme,
            "secure": request.is_secure(),
            "host": request.get_host(),
            "absolute": request.build_absolute_uri("/"),
            "remote_addr": request.META.get("REMOTE_ADDR"),
        }
    )


urlpatterns = [
    path("", index),
    path("healthz", healthz),
    path("form/", form),
    path("nocookie/", nocookie),
    path("__django/", believes),
]
