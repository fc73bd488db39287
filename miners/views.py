from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from consortium.decorators import miner_only


@require_safe
@never_cache
@miner_only
def health(request):
    """The miner's health as the portal sees it: which share of the inputs it holds."""
    return JsonResponse({"status": "ok", "mode": "miner", "miner_index": settings.MINER_INDEX})
