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
