"""The lab's Django site (test/lab/django/labsite) with the proxytrust probe first in
MIDDLEWARE: the same views, settings from LAB_DJANGO_SETTINGS, and the probe on when
PROXYTRUST_PROBE_SECRET is set."""
from labsite.settings import *  # noqa: F401,F403
from labsite.settings import MIDDLEWARE

MIDDLEWARE = ["proxytrust_probe.ProxytrustProbeMiddleware", *MIDDLEWARE]
