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
from django.db.models import F, Q
from django.utils import timezone

from docentsite.artwork import frametv, heartbeat, imaging, metafile, vision
from docentsite.artwork.errors import DocentError, NeedsAttention, Rejected
from docentsite.artwork.fitting import clip, clip_filename, fitted
from docentsite.artwork.models import AnalysisStatus, Artwork, Source, Status
from docentsite.artwork.signals import artwork_progress

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (480, 480)
# A description is a paragraph; longer is a model rambling.
MAX_DESCRIPTION = 4000
# Seconds to keep the TV's "allow Docent?" prompt open for its owner.
PAIRING_WAIT = 30


class UploadAmbiguous(NeedsAttention):
    """After a lost confirmation, the TV holds more than one new unknown picture."""


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
) -> Artwork:
    """Keep an incoming picture on disk and record it, waiting to be prepared."""
    if analyze is None:
        analyze = analyze_by_default()
    filename = clip_filename(filename, Artwork._meta.get_field("original_filename").max_length)
    artwork = Artwork(
        **fitted(Artwork, source_ref=source_ref, title=title or Path(filename).stem),
        source=source,
        original_filename=filename,
        original_sha256=original_sha256,
        analysis_status=AnalysisStatus.PENDING if analyze else AnalysisStatus.NONE,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    artwork.original.save(Path(filename).name, File(fileobj), save=False)
    artwork.save()
    return artwork


def artwork_prepare(*, artwork_id: int) -> Artwork:
    """Turn the kept original into the TV-ready JPEG. Skips work already done."""
    artwork = Artwork.objects.get(pk=artwork_id)
    if artwork.status != Status.PENDING:
        return artwork
    _progress(artwork, "preparing")
    try:
        prepared = imaging.prepare(
            artwork.original.path,
            quality=settings.JPEG_QUALITY,
            max_decode_bytes=settings.IMAGE_MEMORY_LIMIT_MB * 2**20,
        )
    except imaging.ImageRejected as exc:
        # Nothing will ever read the file again: a retry of a Plex import fetches
        # it anew, and an upload is uploaded again.
        artwork.original.delete(save=False)
        Artwork.objects.filter(pk=artwork.pk).update(original="")
        _fail(artwork, exc)
        raise
    name = f"{prepared.sha256[:16]}.jpg"
    artwork.image.save(name, ContentFile(prepared.jpeg), save=False)
    thumbnail = imaging.vision_copy(prepared.jpeg, max_size=THUMBNAIL_SIZE)
    artwork.thumbnail.save(name, ContentFile(thumbnail), save=False)
    # Only the first of two concurrent deliveries records its result.
    claimed = Artwork.objects.filter(pk=artwork.pk, status=Status.PENDING).update(
        status=Status.PREPARED,
        image=artwork.image.name,
        thumbnail=artwork.thumbnail.name,
        width=prepared.width,
        height=prepared.height,
        bytes=len(prepared.jpeg),
        sha256=prepared.sha256,
        last_error="",
        updated_at=timezone.now(),
    )
    if claimed:
        artwork.original.delete(save=False)
        Artwork.objects.filter(pk=artwork.pk).update(original="")
    else:
        artwork.image.delete(save=False)
        artwork.thumbnail.delete(save=False)
    artwork.refresh_from_db()
    return artwork


def artwork_upload_to_tv(*, artwork_id: int, tv: frametv.FrameTV | None = None) -> Artwork:
    """Put the prepared JPEG on the TV once, and only once.

    A transfer whose confirmation was lost has often landed. So the TV's photo
    ids are saved before each transfer, and the next attempt first looks for a
    picture that appeared since: one new unknown id is ours and is adopted,
    none means upload again, more than one needs a person.

    A TV that forgot Docent (a firmware update, a reset) makes Docent drop its
    token; the upload then pairs once and tries again.
    """
    tv = tv or frametv.from_settings()
    _ask_permission(tv, artwork_id)
    try:
        return _upload_claimed(tv, artwork_id)
    except frametv.TVTokenStale:
        _ask_permission(tv, artwork_id)
        return _upload_claimed(tv, artwork_id)


def _ask_permission(tv: frametv.FrameTV, artwork_id: int) -> None:
    """Pair when Docent holds no token. The art channel cannot ask for permission;
    the remote channel can, and its prompt is shown once, not on every retry."""
    try:
        tv.pair_unless_asked(wait=PAIRING_WAIT)
    except DocentError as exc:
        waiting = Artwork.objects.filter(pk=artwork_id, status=Status.PREPARED)
        if isinstance(exc, NeedsAttention):  # someone pressed Deny
            waiting.update(status=Status.NEEDS_ATTENTION, last_error=str(exc),
                           updated_at=timezone.now())
        else:
            waiting.update(last_error=str(exc), updated_at=timezone.now())
        raise


def _upload_claimed(tv: frametv.FrameTV, artwork_id: int) -> Artwork:
    with tv.upload_lock():
        # Every upload to this TV holds this lock, so a row still marked
        # "uploading" while we hold it belongs to a worker that died.
        claimed = Artwork.objects.filter(
            pk=artwork_id, status__in=[Status.PREPARED, Status.UPLOADING]
        ).update(
            status=Status.UPLOADING,
            upload_started_at=timezone.now(),
            upload_attempts=F("upload_attempts") + 1,
        )
        artwork = Artwork.objects.get(pk=artwork_id)
        if not claimed:
            return artwork
        _progress(artwork, "uploading")
        try:
            content_id = None
            if artwork.tv_ids_before is not None:
                content_id = _landed_since(tv, artwork)
            if content_id is None:
                artwork.tv_ids_before = sorted(tv.photo_ids())
                artwork.save(update_fields=["tv_ids_before", "updated_at"])
                with artwork.image.open("rb") as handle:
                    content_id = tv.upload(handle.read())
        except (Rejected, NeedsAttention) as exc:
            if _worth_one_more_try(exc, artwork):
                again = frametv.TVUnavailable(
                    f"{exc} A TV whose art service is jammed answers so until it is switched "
                    "off and on: Docent tries once more later."
                )
                _keep_for_retry(artwork, again)
                raise again from exc
            _fail(artwork, exc)
            raise
        except Exception as exc:
            # Transient (TV off or busy, confirmation lost): the next attempt reconciles.
            _keep_for_retry(artwork, exc)
            raise
    Artwork.objects.filter(pk=artwork.pk).update(
        content_id=content_id,
        matte_id=tv.matte,
        status=Status.ON_TV,
        uploaded_at=timezone.now(),
        tv_ids_before=None,
        last_error="",
        updated_at=timezone.now(),
    )
    artwork.refresh_from_db()
    logger.info("Artwork %s is on the TV as %r", artwork.pk, content_id)
    return artwork


def _worth_one_more_try(exc: Exception, artwork: Artwork) -> bool:
    """-1 refuses a picture for good, but a jammed art service answers it to everything:
    on an artwork's first upload attempt it is taken for the TV's state, not the picture's."""
    return (isinstance(exc, frametv.TVRejected) and exc.code == frametv.SYSTEM_FAIL
            and artwork.upload_attempts <= 1)


def _keep_for_retry(artwork: Artwork, error: Exception) -> None:
    Artwork.objects.filter(pk=artwork.pk).update(
        status=Status.PREPARED, last_error=str(error), updated_at=timezone.now()
    )


def _landed_since(tv: frametv.FrameTV, artwork: Artwork) -> str | None:
    """The content id our earlier, unconfirmed transfer got, if it landed."""
    known = set(
        Artwork.objects.exclude(content_id=None).values_list("content_id", flat=True)
    )
    new = tv.photo_ids() - set(artwork.tv_ids_before) - known
    if len(new) > 1:
        raise UploadAmbiguous(
            "The TV's answer to an earlier upload was lost, and since then "
            f"{len(new)} new pictures appeared on it ({', '.join(sorted(new))}). "
            "Docent cannot tell which one is this artwork: check the TV, delete "
            "the extra copies, then retry."
        )
    if new:
        (content_id,) = new
        logger.info("Adopting %r, which landed although the TV never confirmed it", content_id)
        return content_id
    return None


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
        with artwork.image.open("rb") as handle:
            small = imaging.vision_copy(handle.read())
        meta = vision.describe(small, config=config)
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
    status = Status.NEEDS_ATTENTION if isinstance(error, NeedsAttention) else Status.FAILED
    Artwork.objects.filter(pk=artwork.pk).update(
        status=status, last_error=str(error), waiting_reason="", next_attempt_at=None,
        updated_at=timezone.now(),
    )
    artwork.status, artwork.last_error = status, str(error)
    artwork.waiting_reason, artwork.next_attempt_at = "", None
    logger.warning("Artwork %s failed: %r", artwork.pk, str(error))
    _progress(artwork, "failed")


def artwork_finish(*, artwork_id: int) -> Artwork:
    """The last step: rewrite artwork_meta.json from the table."""
    metafile.sync()
    artwork = Artwork.objects.get(pk=artwork_id)
    if artwork.status == Status.ON_TV:
        _progress(artwork, "done")
    return artwork


def artwork_start_pipeline(*, artwork: Artwork) -> None:
    """Queue prepare -> upload -> analyze -> sync once the row is committed."""
    from docentsite.artwork import tasks

    transaction.on_commit(lambda: tasks.pipeline(artwork.pk).delay())


def artwork_upload_files(*, files, analyze: bool | None, user) -> list[Artwork]:
    """The "Upload artwork" page: keep each file and start its pipeline."""
    created = []
    with transaction.atomic():
        for upload in files:
            artwork = artwork_create(
                fileobj=upload, filename=upload.name, analyze=analyze, user=user,
                original_sha256=upload_digest(upload),
            )
            artwork_start_pipeline(artwork=artwork)
            created.append(artwork)
    return created


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
    """Queue failed artworks again; each resumes at the step that failed.

    A stalled artwork (its worker died) is taken over the same way.
    """
    from docentsite.artwork import tasks

    failed = list(
        artworks.filter(status__in=[Status.FAILED, Status.NEEDS_ATTENTION])
        # A rejected file is gone: there is nothing to resume from.
        .exclude(image="", original="")
        .values_list("pk", flat=True)
    )
    for artwork_id in failed:
        artwork = Artwork.objects.get(pk=artwork_id)
        resume_at = Status.PREPARED if artwork.image else Status.PENDING
        Artwork.objects.filter(pk=artwork_id).update(status=resume_at, last_error="")
        transaction.on_commit(lambda artwork_id=artwork_id: tasks.pipeline(artwork_id).delay())
    return len(failed) + _take_over(_working(artworks))


@dataclass
class RemoveResult:
    removed: list[Artwork] = field(default_factory=list)
    #: Deleted on the TV itself (the remote, the SmartThings app): marked removed too.
    already_gone: list[Artwork] = field(default_factory=list)
    not_on_tv: list[Artwork] = field(default_factory=list)
    #: (artwork, the TV's reason) for each picture the TV would not delete.
    refused: list[tuple[Artwork, str]] = field(default_factory=list)
    #: The TV stopped answering: why, and the pictures not reached.
    stopped: str = ""
    left: list[Artwork] = field(default_factory=list)


def artwork_remove_from_tv(*, artworks, tv: frametv.FrameTV | None = None) -> RemoveResult:
    """Delete the pictures from the TV, mark them removed and rewrite artwork_meta.json.

    A picture the TV no longer has is marked removed as well; one the TV refuses
    stops no other; a TV that stops answering ends the batch, and the result says
    which pictures were done and which were not reached.
    """
    tv = tv or frametv.from_settings()
    result = RemoveResult()
    on_tv = []
    for artwork in artworks.order_by("pk"):
        shown = artwork.status == Status.ON_TV and artwork.content_id
        (on_tv if shown else result.not_on_tv).append(artwork)
    try:
        present = tv.photo_ids() if on_tv else set()
        for index, artwork in enumerate(on_tv):
            try:
                gone = _delete_from_tv(tv, frametv.content_id_of(artwork.content_id), present)
            except frametv.TVAnswered as exc:
                result.refused.append((artwork, str(exc)))
                continue
            except DocentError as exc:  # off, asleep, or no longer paired: so for the rest too
                result.stopped, result.left = str(exc), on_tv[index:]
                break
            Artwork.objects.filter(pk=artwork.pk).update(
                status=Status.REMOVED, updated_at=timezone.now()
            )
            (result.already_gone if gone else result.removed).append(artwork)
    except DocentError as exc:
        result.stopped, result.left = str(exc), on_tv
    if result.removed or result.already_gone:
        metafile.sync()
    return result


def _delete_from_tv(tv: frametv.FrameTV, content_id: str, present: set[str]) -> bool:
    """Delete one picture; True when the TV no longer had it."""
    if content_id not in present:
        return True
    with tv.upload_lock():
        # False: the TV's answer did not list it as deleted; gone is gone all the same.
        if not tv.delete(content_id) and content_id in tv.photo_ids():
            raise frametv.TVRejected(f"The TV kept {content_id} when asked to delete it.")
    return False


def tv_pair(*, wait: float = PAIRING_WAIT, tv: frametv.FrameTV | None = None) -> None:
    """Ask the TV to allow Docent; the owner presses Allow on the TV within `wait` s.

    TVAuthPending when nobody answered, TVAuthDenied after Deny, TVUnavailable when off.
    """
    (tv or frametv.from_settings()).pair(wait=wait)


def tv_mattes(*, tv: frametv.FrameTV | None = None) -> list[str]:
    """The matte ids the TV offers (`none`, `shadowbox_polar`, …)."""
    return (tv or frametv.from_settings()).mattes()


#: A picture in these states is on the TV, or may be by the time a request ends.
ON_TV_STATUSES = (Status.ON_TV, Status.UPLOADING)


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
    metafile.sync()
    for artwork in artworks:
        names = [stored.name for stored in (artwork.original, artwork.image, artwork.thumbnail)
                 if stored]
        # Deleted only if still off the TV: an upload may have begun since it was listed.
        deleted, _ = Artwork.objects.filter(pk=artwork.pk).exclude(
            status__in=ON_TV_STATUSES).delete()
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


@dataclass
class MatteChangeResult:
    changed: list[Artwork] = field(default_factory=list)
    not_on_tv: list[Artwork] = field(default_factory=list)
    #: (artwork, the TV's reason) for each picture the TV would not frame so.
    refused: list[tuple[Artwork, str]] = field(default_factory=list)
    #: The TV stopped answering: why, and the pictures not reached.
    stopped: str = ""
    left: list[Artwork] = field(default_factory=list)


def artwork_change_matte(
    *, artworks, matte_id: str, tv: frametv.FrameTV | None = None
) -> MatteChangeResult:
    """Put another matte around each picture on the TV; one refusal stops no other.

    Raises Rejected for a matte the TV does not offer and TVUnavailable when the
    TV cannot be reached to say which it offers; nothing is changed then.
    """
    tv = tv or frametv.from_settings()
    if matte_id not in tv_mattes(tv=tv):
        raise Rejected(f"The TV has no matte called {matte_id!r}.")
    result = MatteChangeResult()
    selected = list(artworks.order_by("pk"))
    for index, artwork in enumerate(selected):
        if artwork.status != Status.ON_TV or not artwork.content_id:
            result.not_on_tv.append(artwork)
            continue
        try:
            tv.change_matte(artwork.content_id, matte_id)
        except frametv.TVAnswered as exc:  # refused, busy: the TV's word on this one
            result.refused.append((artwork, str(exc)))
            continue
        except DocentError as exc:  # off, asleep, or no longer paired: so for the rest too
            result.stopped, result.left = str(exc), selected[index:]
            break
        Artwork.objects.filter(pk=artwork.pk).update(matte_id=matte_id, updated_at=timezone.now())
        result.changed.append(artwork)
    return result


def artwork_resume_stalled() -> int:
    """Take over the artworks whose pipeline stopped without reaching an end.

    A worker killed mid-step leaves its row in a working state, and the step's
    heartbeat goes silent; nothing else would ever move it. Every step skips
    what is already done, and an upload first looks on the TV for a copy that
    landed, so running the pipeline again finishes the work with one picture.
    """
    return _take_over(_working(Artwork.objects.all()))


def _working(artworks):
    """The artworks with a step of their pipeline still to run."""
    return artworks.filter(
        Q(status__in=[Status.PENDING, Status.PREPARED, Status.UPLOADING])
        | Q(analysis_status__in=[AnalysisStatus.PENDING, AnalysisStatus.RUNNING])
    ).exclude(
        status__in=[Status.FAILED, Status.NEEDS_ATTENTION, Status.REMOVED]
    ).exclude(
        # Still waiting for its source (a Plex download): the source resumes it.
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


class TVBeingWatched(Rejected):
    """The TV is not in Art Mode: someone is watching it, and Docent does not interrupt."""


def artwork_show_now(*, artwork_id: int, tv: frametv.FrameTV | None = None) -> Artwork:
    """Make this picture the one the TV shows, if the TV is showing art right now.

    Never switches the TV to Art Mode: a TV being watched raises TVBeingWatched.
    """
    artwork = Artwork.objects.get(pk=artwork_id)
    if artwork.status != Status.ON_TV or not artwork.content_id:
        raise Rejected(f"“{artwork}” is not on the TV (“{artwork.get_status_display()}”).")
    tv = tv or frametv.from_settings()
    if not tv.show(frametv.content_id_of(artwork.content_id)):
        raise TVBeingWatched(
            "The TV is being watched (it is not in Art Mode), so Docent left it alone. "
            "Show the picture when the TV shows art again.")
    return artwork


def artwork_put_back(*, artwork_id: int) -> Artwork:
    """Upload a removed picture's prepared JPEG again, as a new picture on the TV.

    It goes through the normal pipeline (upload, then artwork_meta.json); the
    TV gives it a new content id.
    """
    artwork = Artwork.objects.get(pk=artwork_id)
    if artwork.status != Status.REMOVED:
        raise Rejected(f"“{artwork}” is not removed from the TV (“"
                       f"{artwork.get_status_display()}”): there is nothing to put back.")
    if not artwork_rearm_removed(artwork_id=artwork.pk):
        raise Rejected(f"“{artwork}” has no prepared picture left to put back.")
    artwork.refresh_from_db()
    artwork_start_pipeline(artwork=artwork)
    return artwork


def artwork_rearm_removed(*, artwork_id: int) -> bool:
    """Make a removed picture wait for the TV again, its prepared JPEG kept; whether it
    could (a picture still on the TV, or without its JPEG, is left as it is)."""
    return bool(Artwork.objects.filter(pk=artwork_id, status=Status.REMOVED).exclude(
        image="").update(
            status=Status.PREPARED, content_id=None, tv_ids_before=None, last_error="",
            upload_attempts=0, uploaded_at=None, waiting_reason="", next_attempt_at=None,
            heartbeat_at=None, updated_at=timezone.now()))
