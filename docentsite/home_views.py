"""The front door (/ and /favicon.ico), the Docent status page (every dependency's
check as last found, "Check now", and what is on its way) and the TV's state for
the header."""

import math
from dataclasses import asdict

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from docentsite import health, tvstate
from docentsite.artwork import cards, foreign, nowshowing, rotation, tvs
from docentsite.artwork.errors import DocentError
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus
from docentsite.permissions import denied
from docentsite.sources import registry
from docentsite.sources.imports import OPEN
from docentsite.sources.models import ImportStatus
from docentsite.status import services as status

#: What a person should look at when a check is not ok, by check name.
HINTS = {
    "Database": "Check DATABASE_URL in .env, then run `./docent manage migrate`.",
    "Task queue": "Start a worker: `./docent serve` runs one next to the web server.",
    "Frame TV": "Is the TV on and in the same network? Check TV_HOST in .env, and accept "
                "Docent on the TV the first time it connects.",
    "Vision model": "Set AI_PROVIDER and its API key in .env, or AI_PROVIDER=none to turn "
                    "descriptions off.",
}
#: How to turn on what is not set up, by check name (a source shows its .env lines).
SETUP_HINTS = {
    "Vision model": "To have pictures described, set AI_PROVIDER (anthropic or openai) and "
                    "its API key in .env, then restart Docent.",
}


def home(request):
    """The gallery is Docent's home; the admin sends a visitor to its login first."""
    return redirect("admin:artwork_artwork_changelist")


def favicon(request):
    # Browsers ask for /favicon.ico whatever the page says.
    return redirect(static("docent/favicon.ico"))


def docent_tv_state(request):
    """The TV's state for the header's dot: asks the TV at most every 30 seconds."""
    state = tvstate.tv_state_check()
    return JsonResponse({key: value for key, value in asdict(state).items()
                         if key != "checked_at"})


def docent_home(request):
    """Each check as a worker last found it, and its age: the page never waits for one."""
    tv_rows = list(TV.objects.select_related("rotation"))
    known = status.status_known(tvs=tv_rows)
    tv_by_id = {tv.pk: tv for tv in tv_rows}
    on_each_tv = dict(Placement.objects.filter(status=PlacementStatus.ON_TV).values_list(
        "tv").annotate(count=Count("pk")).values_list("tv", "count"))
    now = timezone.now()
    sources = registry.sources()
    unset = {source.label: "\n".join(source.setup_lines) for source in sources
             if source.setup_lines and health.check_source_settings(source)}
    hints = {**HINTS, **{source.label: source.hint for source in sources if source.hint}}
    showing = _showing_thumbnails(known)
    checks = [
        {"check": item.check, "state": item.check.level.value,
         "tv": tv_by_id.get(item.check.tv_id), "on_tv": on_each_tv.get(item.check.tv_id, 0),
         "rotates": rotation.rotation_card(
             getattr(tv_by_id.get(item.check.tv_id), "rotation", None)),
         "age": item.checked_at and status.ago((now - item.checked_at).total_seconds()),
         "next_in": item.next_at and _next_in(item.next_at, now),
         "hint": _hint(item.check, hints), "setup_lines": unset.get(item.check.name, ""),
         "showing_thumbnail": showing.get(_showing_id(item.check))}
        for item in known
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Docent status",
        "checks": checks,
        "several_tvs": len(tv_rows) > 1,
        "check_interval": settings.STATUS_CHECK_INTERVAL,
        "on_tv": Placement.objects.filter(status=PlacementStatus.ON_TV).values(
            "artwork").distinct().count(),
        "sources": [_source_numbers(source) for source in sources],
        "pairing_wait": tvs.PAIRING_WAIT,
        "slideshow_modes": nowshowing.MODES,
        "slideshow_intervals": [(m, nowshowing.every(m)) for m in nowshowing.MINUTES],
        "slideshow_categories": nowshowing.CATEGORIES.items(),
    }
    return TemplateResponse(request, "admin/docent_home.html", context)


@require_POST
def docent_check_now(request):
    """Run every check now, while the person who asked waits (about a second: the
    worker is pinged), and keep the results for the page."""
    found = status.status_refresh()
    problems = sum(not check.ok for check in found)
    summary = f"{problems} need(s) attention" if problems else "all is well"
    messages.info(request, f"Checked everything just now: {summary}.")
    return redirect("docent_home")


@require_POST
def docent_pair_tv(request):
    """Ask the TV to allow Docent; waits while the owner answers its prompt."""
    if not request.user.has_perm("artwork.pair_tv"):
        messages.error(request, f"Not paired: {denied(['artwork.pair_tv'])}")
        return redirect("docent_home")
    try:
        tv = tvs.tv_get(tv=request.POST["tv"]) if request.POST.get("tv") else tvs.tv_default()
        tvs.tv_pair(tv=tv)
    except DocentError as exc:
        messages.error(request, f"Not paired: {exc}")
    else:
        status.status_refresh_tv(tv=tv)
        messages.success(request, f"Paired: {tvs.tv_called(tv)} allowed Docent, and remembers it.")
    return redirect("docent_home")


@require_POST
def docent_tv_slideshow(request):
    """Set a TV's own slideshow from its card, then check that TV again: its card says
    what the TV now says."""
    minutes = request.POST.get("minutes", "")
    try:
        tv = tvs.tv_get(tv=request.POST.get("tv", ""))
        nowshowing.tv_slideshow_set(
            tv=tv, mode=request.POST.get("mode", ""),
            minutes=int(minutes) if minutes.isdigit() else None,
            category_id=request.POST.get("category_id", ""))
    except DocentError as exc:
        messages.error(request, f"The slideshow was not changed: {exc}")
    else:
        status.status_refresh_tv(tv=tv)
        messages.success(request, f"{capfirst(tvs.tv_called(tv))}'s slideshow is set.")
    return redirect("docent_home")


@require_POST
def docent_tv_foreign_delete(request):
    """Delete from a TV pictures Docent did not upload: one (`content_id`, confirmed in
    the browser) or all of them (`confirm_count`, the count typed); then check that TV
    again, so that its card lists what is left."""
    count = request.POST.get("confirm_count", "").strip()
    try:
        tv = tvs.tv_get(tv=request.POST.get("tv", ""))
        if "content_id" in request.POST:
            done = foreign.tv_foreign_delete(tv=tv, content_ids=[request.POST["content_id"]])
        else:
            done = foreign.tv_foreign_delete(
                tv=tv, everything=True, confirm_count=int(count) if count.isdigit() else None)
    except DocentError as exc:
        messages.error(request, f"Nothing was deleted: {exc}")
        return redirect("docent_home")
    status.status_refresh_tv(tv=tv)
    called = tvs.tv_called(tv)
    if done.deleted:
        messages.success(request, f"Deleted {len(done.deleted)} picture(s) not from Docent "
                                  f"from {called}: {', '.join(done.deleted)}.")
    if done.already_gone:
        messages.info(request, f"{', '.join(done.already_gone)} was no longer on {called}.")
    if done.kept:
        messages.error(request, f"{capfirst(called)} kept {', '.join(done.kept)} when asked "
                                "to delete it.")
    return redirect("docent_home")


def _next_in(at, now) -> str:
    seconds = math.ceil((at - now).total_seconds())  # 17.4 s to go is "in 18 s"
    return f"in {status.ago(seconds)}" if seconds >= 1 else "due now"


def _showing_id(check: health.Check) -> int | None:
    if not check.tv_id or not check.facts:
        return None
    return (check.facts.get("showing") or {}).get("artwork_id")


def _showing_thumbnails(known) -> dict[int, str]:
    """The versioned thumbnail address of each picture a TV showed when last checked, by
    artwork id: one query for every TV. The version is the picture's as it is now, not
    as it was at the check: one framed again since shows its new thumbnail."""
    ids = {_showing_id(item.check) for item in known} - {None}
    return {artwork.pk: cards.picture_url(artwork)
            for artwork in Artwork.objects.filter(pk__in=ids).only("pk", "sha256")}


def _hint(check: health.Check, hints: dict) -> str:
    hints = SETUP_HINTS if check.level is health.Level.OFF else hints
    return hints.get("Frame TV" if check.tv_id else check.name, "")


def _source_numbers(source: registry.Source) -> dict:
    """A source's line on the status page: its imports in progress and failed, linked
    to its records, and the figures it adds of its own."""
    # One query a source, whatever the number of sources.
    numbers = source.record_rows().aggregate(
        importing=Count("pk", filter=Q(status__in=OPEN)),
        failed=Count("pk", filter=Q(status=ImportStatus.FAILED)))
    return {
        "source": source,
        "records_url": reverse(source.records_url) + "?" + source.records_query,
        **numbers,
        "counts": source.call("counts") if source.has("counts") else [],
        "browse_url": source.browse_url and reverse(source.browse_url),
    }
