"""When an artwork's work has all ended: "done", or "failed" and where.

An artwork is prepared, described when asked, and sent to each TV it is placed on,
each part in its own time (the TVs in their lanes, lane.py). Whichever part ends
last settles it.
"""

from docentsite.artwork.models import AnalysisStatus, Artwork, PlacementStatus, Status
from docentsite.artwork.signals import artwork_progress

#: Still to go to the TV, or on its way there.
OPEN = (PlacementStatus.QUEUED, PlacementStatus.UPLOADING)
ENDED_BADLY = (PlacementStatus.FAILED, PlacementStatus.NEEDS_ATTENTION)


def progress(artwork: Artwork, step: str, **extra) -> None:
    artwork_progress.send(sender=Artwork, artwork=artwork, step=step, **extra)


def artwork_settle(*, artwork_id: int) -> None:
    """Say "done" (or "failed") once the artwork's own work has all ended: prepared,
    on every TV asked for (or failed there), described if asked."""
    artwork = Artwork.objects.filter(pk=artwork_id).first()
    if artwork is None or artwork.status != Status.PREPARED:
        return
    if artwork.analysis_status in (AnalysisStatus.PENDING, AnalysisStatus.RUNNING):
        return
    placements = list(artwork.placements.select_related("tv"))
    if any(p.status in OPEN for p in placements):
        return
    failed = [p for p in placements if p.status in ENDED_BADLY]
    if failed:
        error = "; ".join(f"{p.tv.name}: {p.last_error}" for p in failed)
        progress(artwork, "failed", error=error)
    else:
        progress(artwork, "done")
