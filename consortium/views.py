from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request):
    """Liveness for load balancers and Docker: the process serves requests."""
    body = {"status": "ok", "mode": settings.DEPLOYMENT_MODE}
    if settings.DEPLOYMENT_MODE == "miner":
        body["miner_index"] = settings.MINER_INDEX
    return JsonResponse(body)


def api_bad_request(request, exception=None):
    """A miner's 400 from Django itself (a Host header it does not serve, a malformed request), in JSON as
    every other answer of its API (docs/api.md): Django's own page is HTML."""
    return JsonResponse({"detail": "Bad request."}, status=400)


def api_not_found(request, exception=None):
    """A miner's 404 for a path it does not serve, in JSON as every other answer of its API."""
    return JsonResponse({"detail": "Not found."}, status=404)


def api_server_error(request):
    """A miner's 500 (a bug), in JSON as every other answer of its API; never the error's details."""
    return JsonResponse({"detail": "Internal error of this miner; try again later."}, status=500)
