"""Settings of the lab's Django reference target.

Every setting that matters to proxies comes from the JSON in LAB_DJANGO_SETTINGS, written
by test/lab/django.ts from a scenario's DjangoSettings, so each scenario is one gunicorn
started with different environment and the same code.
"""
import json
import os
import sys

_lab = json.loads(os.environ["LAB_DJANGO_SETTINGS"])
if os.environ.get("LAB_PROBE_DIR"):
    sys.path.insert(0, os.environ["LAB_PROBE_DIR"])

SECRET_KEY = "proxytrust-lab-not-a-secret"
DEBUG = False
ROOT_URLCONF = "labsite.urls"
WSGI_APPLICATION = "labsite.wsgi.application"
INSTALLED_APPS = []
DATABASES = {}
USE_TZ = True
MIDDLEWARE = [
    # The Django probe goes first (it removes itself unless PROXYTRUST_PROBE_SECRET is set).
    *(["proxytrust_probe.ProxytrustProbeMiddleware"] if os.environ.get("PROXYTRUST_PROBE_SECRET") else []),
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
# Sessions without a database: the session cookie is the session.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}

ALLOWED_HOSTS = _lab["ALLOWED_HOSTS"]
SECURE_PROXY_SSL_HEADER = (
    tuple(_lab["SECURE_PROXY_SSL_HEADER"]) if _lab["SECURE_PROXY_SSL_HEADER"] else None
)
USE_X_FORWARDED_HOST = _lab["USE_X_FORWARDED_HOST"]
USE_X_FORWARDED_PORT = _lab["USE_X_FORWARDED_PORT"]
SECURE_SSL_REDIRECT = _lab["SECURE_SSL_REDIRECT"]
SECURE_REDIRECT_EXEMPT = _lab["SECURE_REDIRECT_EXEMPT"]
SECURE_HSTS_SECONDS = _lab["SECURE_HSTS_SECONDS"]
SESSION_COOKIE_SECURE = _lab["SESSION_COOKIE_SECURE"]
CSRF_COOKIE_SECURE = _lab["CSRF_COOKIE_SECURE"]
LAB_CSRF_EXEMPT_FORM = _lab["CSRF_EXEMPT_FORM"]
CSRF_TRUSTED_ORIGINS = _lab.get("CSRF_TRUSTED_ORIGINS", [])
