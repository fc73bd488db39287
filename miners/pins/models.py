from django.db import models


class PeerPin(models.Model):
    """What this miner holds for peer `index`; an empty field falls back to MINER_PEER_<index>_*."""

    index = models.PositiveSmallIntegerField(unique=True)
    url = models.CharField(max_length=500, blank=True)
    channel_url = models.CharField(max_length=500, blank=True)
    public_key = models.CharField(max_length=64)
    pinned_at = models.DateTimeField()
    # the key this one replaced (a rotation), accepted until `previous_until`
    previous_key = models.CharField(max_length=64, blank=True)
    previous_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"miner {self.index}"


class OwnRotation(models.Model):
    """A rotation of this miner's own key, kept to deliver it again to whoever missed it."""

    at = models.CharField(max_length=20)  # as signed: 2026-12-05T01:02:03Z
    old_public_key = models.CharField(max_length=64)
    new_public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)
    # "peer 1", "peer 2", "portal": who has acknowledged it
    delivered_to = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
