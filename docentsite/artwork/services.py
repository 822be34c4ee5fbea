"""The artwork use cases. Views, the API, admin actions, commands and tasks call
these; they hold no logic of their own."""

import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from docentsite.artwork import (
    framing,
    heartbeat,
    imaging,
    lane,
    matte_fit,
    metafile,
    placements,
    settle,
    vision,
)
from docentsite.artwork.errors import Rejected
from docentsite.artwork.fitting import clip, clip_filename, fitted
from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    PlacementStatus,
    Source,
    Status,
)
from docentsite.artwork.signals import artwork_progress

logger = logging.getLogger(__name__)

# A description is a paragraph; longer is a model rambling.
MAX_DESCRIPTION = 4000


def analyze_by_default() -> bool:
    return settings.AUTO_ANALYZE and settings.AI_PROVIDER != "none"


def _progress(artwork: Artwork, step: str) -> None:
    artwork_progress.send(sender=Artwork, artwork=artwork, step=step)


def artwork_create(
    *,
    fileobj,
    filename: str,
    source: str = Source.UPLOAD,
    source_ref: str = "",
    title: str = "",
    analyze: bool | None = None,
    user=None,
    original_sha256: str = "",
    framing: str | None = None,
    matte: str | None = None,
) -> Artwork:
    """Keep an incoming picture on disk and record it, waiting to be prepared.
    ``framing`` (fill, fit, as_is): None leaves it to its TVs and the defaults.
    ``matte``: the matte asked for (matte_fit.matte_to_upload); None: each TV's default."""
    if analyze is None:
        analyze = analyze_by_default()
    filename = clip_filename(filename, Artwork._meta.get_field("original_filename").max_length)
    artwork = Artwork(
        **fitted(Artwork, source_ref=source_ref, title=title or Path(filename).stem),
        source=source,
        original_filename=filename,
        original_sha256=original_sha256,
        framing=framing or None,
        matte=matte or "",
        analysis_status=AnalysisStatus.PENDING if analyze else AnalysisStatus.NONE,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    artwork.original.save(Path(filename).name, File(fileobj), save=False)
    artwork.save()
    return artwork


def artwork_prepare(*, artwork_id: int) -> Artwork:
    """Turn the kept original into the TV-ready JPEG, framed (framing.py). Skips work
    already done. The original stays, so the picture can be framed again later."""
    artwork = Artwork.objects.get(pk=artwork_id)
    if artwork.status != Status.PENDING:
        return artwork
    _progress(artwork, "preparing")
    try:
        framed = framing.artwork_image_prepare(artwork=artwork)
    except imaging.ImageRejected as exc:
        # Nothing will ever read the file again: a retry of a source's import fetches
        # it anew, and an upload is uploaded again.
        artwork.original.delete(save=False)
        Artwork.objects.filter(pk=artwork.pk).update(original="")
        _fail(artwork, exc)
        raise
    prepared = framed.prepared
    name = f"{prepared.sha256[:16]}.jpg"
    artwork.image.save(name, ContentFile(prepared.jpeg), save=False)
    artwork.thumbnail.save(name, ContentFile(prepared.copies["thumbnail"]), save=False)
    artwork.vision.save(name, ContentFile(prepared.copies["vision"]), save=False)
    # Only the first of two concurrent deliveries records its result.
    claimed = Artwork.objects.filter(pk=artwork.pk, status=Status.PENDING).update(
        status=Status.PREPARED,
        image=artwork.image.name,
        thumbnail=artwork.thumbnail.name,
        vision=artwork.vision.name,
        width=prepared.width,
        height=prepared.height,
        bytes=len(prepared.jpeg),
        sha256=prepared.sha256,
        framing=framed.framing,
        crop_box=framed.crop_box,
        original_width=prepared.source_size[0],
        original_height=prepared.source_size[1],
        last_error="",
        updated_at=timezone.now(),
    )
    if not claimed:
        artwork.image.delete(save=False)
        artwork.thumbnail.delete(save=False)
        artwork.vision.delete(save=False)
    artwork.refresh_from_db()
    return artwork


def artwork_analyze(*, artwork_id: int) -> Artwork:
    """Describe the picture with the vision model; a failure is recorded, never raised."""
    claimed = Artwork.objects.filter(
        pk=artwork_id, analysis_status=AnalysisStatus.PENDING
    ).update(analysis_status=AnalysisStatus.RUNNING, updated_at=timezone.now())
    artwork = Artwork.objects.get(pk=artwork_id)
    if not claimed:
        return artwork
    _progress(artwork, "analyzing")
    try:
        config = vision.from_settings()
        meta = vision.describe(_vision_copy(artwork), config=config)
    except vision.VisionError as exc:
        if exc.transient:
            Artwork.objects.filter(pk=artwork.pk).update(
                analysis_status=AnalysisStatus.PENDING, ai_error=str(exc)
            )
            raise
        return artwork_record_analysis_failure(artwork_id=artwork.pk, error=str(exc))
    # The model's answer is untrusted input: cut to the columns, like any other.
    Artwork.objects.filter(pk=artwork.pk).update(
        **fitted(
            Artwork,
            ai_title=meta.get("title") or "",
            ai_artist=meta.get("artist") or "",
            ai_year=meta.get("year") or "",
            ai_medium=meta.get("medium") or "",
            ai_school=meta.get("school") or "",
            ai_description=clip(meta.get("description") or "", MAX_DESCRIPTION),
            ai_confidence=meta.get("confidence") or "",
            ai_provider=meta.get("provider") or "",
            ai_model=meta.get("model") or "",
        ),
        analysis_status=AnalysisStatus.DONE,
        ai_vibes=list(meta.get("vibes") or [])[:5],
        ai_vision_identified=bool(meta.get("vision_identified")),
        ai_analyzed_at=timezone.now(),
        ai_error="",
        updated_at=timezone.now(),
    )
    artwork.refresh_from_db()
    return artwork


def _vision_copy(artwork: Artwork) -> bytes:
    if artwork.vision:
        with artwork.vision.open("rb") as handle:
            return handle.read()
    # Prepared before the copy was made with the TV JPEG.
    with artwork.image.open("rb") as handle:
        return imaging.vision_copy(handle.read())


def artwork_record_analysis_failure(*, artwork_id: int, error: str) -> Artwork:
    Artwork.objects.filter(pk=artwork_id).update(
        analysis_status=AnalysisStatus.FAILED, ai_error=error, updated_at=timezone.now()
    )
    logger.warning("Analysis of artwork %s failed: %r", artwork_id, error)
    return Artwork.objects.get(pk=artwork_id)


def artwork_record_failure(*, artwork_id: int, error: str) -> Artwork:
    """Give up on a step after its retries: a person looks at it from the admin."""
    artwork = Artwork.objects.get(pk=artwork_id)
    _fail(artwork, error)
    return artwork


def _fail(artwork: Artwork, error) -> None:
    status = Status.FAILED
    Artwork.objects.filter(pk=artwork.pk).update(
        status=status, last_error=str(error), waiting_reason="", next_attempt_at=None,
        updated_at=timezone.now(),
    )
    artwork.status, artwork.last_error = status, str(error)
    artwork.waiting_reason, artwork.next_attempt_at = "", None
    logger.warning("Artwork %s failed: %r", artwork.pk, str(error))
    _progress(artwork, "failed")


def artwork_prepared(*, artwork_id: int) -> None:
    """The JPEG is ready: each TV waiting for it starts on it, and it is described
    meanwhile (the caller queues that when artwork_prepared says so)."""
    lane.kick_lanes_of(artwork_id=artwork_id)
    settle.artwork_settle(artwork_id=artwork_id)


def artwork_wants_analysis(*, artwork_id: int) -> bool:
    return Artwork.objects.filter(
        pk=artwork_id, status=Status.PREPARED, analysis_status=AnalysisStatus.PENDING).exists()


def artwork_finish(*, artwork_id: int, inline: bool = False) -> Artwork:
    """After the description: say "done" if the TVs are done too; the artwork_meta.json
    of each TV showing it gets the description within metafile.SYNC_DELAY seconds
    (at once `inline`, where no worker runs the deferred rewrite)."""
    for tv in TV.objects.filter(placements__artwork_id=artwork_id,
                                placements__status=PlacementStatus.ON_TV).distinct():
        if inline:
            metafile.sync(tv=tv)
        else:
            metafile.sync_soon(tv=tv)
    settle.artwork_settle(artwork_id=artwork_id)
    return Artwork.objects.get(pk=artwork_id)


def artwork_start_pipeline(*, artwork: Artwork) -> None:
    """Queue prepare -> each TV's lane and the description, once the row is committed."""
    from docentsite.artwork import tasks

    transaction.on_commit(lambda: tasks.pipeline(artwork.pk).delay())


def artwork_upload_files(*, files, analyze: bool | None, user, tvs=None,
                         framing: str | None = None, matte: str | None = None
                         ) -> list[Artwork]:
    """The "Upload artwork" page: keep each file, place it on the TVs chosen (default:
    the default TV, if there is one) and start its pipeline. Rejected for a matte none
    of the TVs offers (import_matte_check)."""
    from docentsite.artwork.tvs import tvs_for_new_work

    chosen = tvs_for_new_work(tvs)
    import_matte_check(matte=matte, tvs=chosen)
    created = []
    with transaction.atomic():
        for upload in files:
            artwork = artwork_create(
                fileobj=upload, filename=upload.name, analyze=analyze, user=user,
                original_sha256=upload_digest(upload), framing=framing, matte=matte,
            )
            placements.artwork_place(artworks=[artwork], tvs_wanted=chosen)
            artwork_start_pipeline(artwork=artwork)
            created.append(artwork)
    return created


def import_matte_check(*, matte: str | None, tvs) -> None:
    """Rejected for a matte an import for these TVs cannot ask for: one none of them
    offers, or one known to make a Frame fail to show the picture."""
    problem = matte_fit.import_matte_problem(matte, tvs=list(tvs))
    if problem:
        raise Rejected(problem)


def upload_check(upload) -> None:
    """Refuse a file that is not a picture on arrival, before it is kept."""
    try:
        imaging.check_readable(upload)
    except imaging.ImageRejected as exc:
        raise imaging.ImageRejected(f"{upload.name}: {exc}.") from exc


def upload_digest(upload) -> str:
    """Hex sha256 of an uploaded file's bytes, read in chunks."""
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def artwork_duplicates(*, digest: str):
    """Artworks already holding this picture: the same file uploaded before, or
    the very JPEG Docent prepared (a picture saved from Docent and uploaded again)."""
    return Artwork.objects.filter(
        Q(original_sha256=digest) | Q(sha256=digest)
    ).order_by("pk")


def artwork_reanalyze(*, artworks) -> int:
    """Queue a fresh analysis of the given artworks that have a prepared JPEG."""
    from docentsite.artwork import tasks

    ids = list(artworks.exclude(image="").values_list("pk", flat=True))
    Artwork.objects.filter(pk__in=ids).update(
        analysis_status=AnalysisStatus.PENDING, ai_error="", updated_at=timezone.now()
    )
    for artwork_id in ids:
        transaction.on_commit(lambda artwork_id=artwork_id: tasks.reanalysis(artwork_id).delay())
    return len(ids)


def artwork_retry(*, artworks) -> int:
    """Queue failed artworks again; each resumes at the step that failed: a picture
    not prepared is prepared, a TV that failed gets it again.

    A stalled artwork (its worker died) is taken over the same way, and so is a
    stalled upload: its TV's lane starts again.
    """
    from docentsite.artwork import tasks

    failed = list(
        artworks.filter(status=Status.FAILED)
        # A rejected file is gone: there is nothing to resume from.
        .exclude(image="", original="")
        .values_list("pk", flat=True)
    )
    for artwork_id in failed:
        Artwork.objects.filter(pk=artwork_id, image="").update(
            status=Status.PENDING, last_error="")
        Artwork.objects.filter(pk=artwork_id).exclude(image="").update(
            status=Status.PREPARED, last_error="")
        transaction.on_commit(lambda artwork_id=artwork_id: tasks.pipeline(artwork_id).delay())
    placed = placements.placements_retry(artworks=artworks.exclude(pk__in=failed))
    taken = lane.uploads_take_over(artworks=artworks)
    return len(failed) + placed + taken + _take_over(_working(artworks))


@dataclass
class DeleteResult:
    deleted: int = 0
    #: Kept: on the TV, or on its way there. "Remove from TV" comes first.
    on_tv: list[Artwork] = field(default_factory=list)


def artwork_delete(*, artworks) -> DeleteResult:
    """Delete pictures that are not on the TV, with their files; artwork_meta.json follows.

    One on the TV is kept: deleting its row would leave its picture on the TV
    with nothing in Docent left to take it off.
    """
    result = DeleteResult()
    # First, while the rows still say these content ids are ours: a sync keeps
    # the entries of ids no row has, as an original Docent's.
    metafile.sync_all()
    for artwork in artworks:
        names = [stored.name for stored in (
            artwork.original, artwork.image, artwork.thumbnail, artwork.vision) if stored]
        # Deleted only if still off the TV: an upload may have begun since it was listed.
        deleted, _ = Artwork.objects.filter(pk=artwork.pk).exclude(
            placements__status__in=placements.ON_TV_STATUSES).delete()
        if not deleted:
            result.on_tv.append(artwork)
            continue
        result.deleted += 1
        transaction.on_commit(lambda names=names: _delete_files(names))
    return result


def _delete_files(names: list[str]) -> None:
    storage = Artwork._meta.get_field("original").storage
    for name in names:
        storage.delete(name)


def artwork_resume_stalled() -> int:
    """Take over the artworks whose pipeline stopped without reaching an end.

    A worker killed mid-step leaves its row in a working state, and the step's
    heartbeat goes silent; nothing else would ever move it. Every step skips
    what is already done, so running the pipeline again finishes the work. The
    uploads are the TVs' lanes', started again by lane.lanes_resume().
    """
    return _take_over(_working(Artwork.objects.all()))


def _working(artworks):
    """The artworks with a step of their own still to run: preparing, describing."""
    return artworks.filter(
        Q(status=Status.PENDING)
        | Q(status=Status.PREPARED,
            analysis_status__in=[AnalysisStatus.PENDING, AnalysisStatus.RUNNING])
    ).exclude(
        # Still waiting for its source (a download): the source's import resumes it.
        status=Status.PENDING, original=""
    )


def _take_over(artworks) -> int:
    """Queue the pipeline again for each of these artworks that has stalled.

    The claim clears the row's heartbeat, so a second sweep at the same
    moment finds nothing to take.
    """
    from docentsite.artwork import tasks

    taken = 0
    for artwork_id in artworks.filter(heartbeat.stalled()).values_list("pk", flat=True):
        now = timezone.now()
        claimed = Artwork.objects.filter(pk=artwork_id).filter(heartbeat.stalled(now=now)).update(
            heartbeat_at=None, next_attempt_at=None, updated_at=now
        )
        if not claimed:
            continue
        # Nothing runs the analysis any more: it may start again.
        Artwork.objects.filter(pk=artwork_id, analysis_status=AnalysisStatus.RUNNING).update(
            analysis_status=AnalysisStatus.PENDING
        )
        logger.info("Taking over artwork %s, whose work had stopped", artwork_id)
        transaction.on_commit(lambda artwork_id=artwork_id: tasks.pipeline(artwork_id).delay())
        taken += 1
    return taken


@contextmanager
def artwork_step(*, artwork_id: int):
    """Run a step of the artwork's pipeline: its heartbeat shows it alive
    meanwhile, and once it succeeds nothing is waiting any more."""
    rows = Artwork.objects.filter(pk=artwork_id)
    with heartbeat.beating(rows):
        yield
    if rows.exclude(waiting_reason="", next_attempt_at=None).update(
        waiting_reason="", next_attempt_at=None
    ):
        _progress(rows.get(), "waiting")


def artwork_record_waiting(*, artwork_id: int, reason: str, retry_in: float) -> None:
    """Show why a step waits (the TV off, say) and when it is tried again."""
    rows = Artwork.objects.filter(pk=artwork_id)
    rows.update(
        waiting_reason=reason, next_attempt_at=timezone.now() + timedelta(seconds=retry_in)
    )
    _progress(rows.get(), "waiting")
