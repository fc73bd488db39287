"""`GET /metrics` of both roles (Prometheus text format, prometheus_client), and the HTTP counters.

Behind a bearer token: `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. Unset
METRICS_TOKEN: 404 (the endpoint does not exist, as for a feature that is off); a missing or wrong token:
401 with `WWW-Authenticate: Bearer`. docs/observability.md lists every metric.

Processes: a miner's web (uvicorn, one or more workers) and its Celery worker (where runs compute and
the peer channel lives) count in different processes. With PROMETHEUS_MULTIPROC_DIR set (the same
directory for all of a party's processes, before they start) prometheus_client keeps each process's
values in files there and this endpoint adds them up; without it, each process counts for itself.
What the database knows (runs by state) is read at scrape time by a collector, whichever process asks.

No label value ever comes from a request's content: labels are role-fixed names, reasons from a fixed
set, indices, HTTP methods from a fixed set, status codes and URL patterns (never a path's values).
"""

from __future__ import annotations

import os
import re
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.deprecation import MiddlewareMixin
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from consortium.contract.credentials import secret_matches

_BEARER = re.compile(r"Bearer ([\x21-\x7e]{1,256})", re.ASCII)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter("consortium_http_requests_total", "HTTP requests answered, by method, URL pattern "
                        "and status code.", ["method", "route", "status"])
HTTP_SECONDS = Histogram("consortium_http_request_duration_seconds", "Time to answer an HTTP request, by "
                         "method and URL pattern.", ["method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def authorized(request) -> bool:
    """Whether the request carries `Bearer <METRICS_TOKEN>` (constant time; False when unset)."""
    match = _BEARER.fullmatch(request.headers.get("Authorization", ""))
    return bool(match) and secret_matches(match[1], settings.METRICS_TOKEN or "")


def registry(collectors=()) -> CollectorRegistry:
    """What a scrape reads: every process's values (multiprocess mode) or this process's, and the
    role's collectors that read the database."""
    found = CollectorRegistry()
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        multiprocess.MultiProcessCollector(found, path=path)
    else:
        found.register(_ThisProcess())
    for collector in collectors:
        found.register(collector)
    return found


class _ThisProcess:
    """This process's own registry, inside a fresh one (the role's collectors are added per scrape)."""

    def collect(self):
        return REGISTRY.collect()


def metrics_view(*collectors):
    """The `/metrics` view of a role, with its database collectors (e.g. runs by state)."""

    @never_cache
    def view(request):
        if not settings.METRICS_TOKEN:  # first: a deployment without metrics has no such endpoint at all
            return HttpResponse(status=404)
        if not authorized(request):
            response = HttpResponse("A metrics token is needed: Authorization: Bearer <METRICS_TOKEN>.\n",
                                    status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return HttpResponse(generate_latest(registry(collectors)), content_type=CONTENT_TYPE_LATEST)

    return view


class HttpMetricsMiddleware(MiddlewareMixin):
    """Counts every answered request and its time, by method, URL pattern (not the path: an id in a path
    is not a label) and status. First in MIDDLEWARE, so that redirects and refusals count too."""

    def process_request(self, request):
        request._metrics_started = time.perf_counter()

    def process_response(self, request, response):
        started = getattr(request, "_metrics_started", None)
        if started is not None:
            method = request.method if request.method in METHODS else "other"
            match = getattr(request, "resolver_match", None)
            route = (match.route or match.view_name) if match else "unmatched"
            HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
            HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - started)
        return response
