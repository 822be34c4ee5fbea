"""The gallery's cards, one per artwork of the page, as HTML.

Built here rather than in a template: a card says a lot (its state, each TV's part,
what is wrong, what may be done next), and Django's template engine spends about
7 µs on each value it writes out and each test it makes, some 100 of them a card:
half a page's time at 100 cards. format_html takes a fifth of that, and f-strings
with html.escape (what Django's own escape calls) half of format_html. So: every
value from the database or the user goes through `_e`, the helpers return HTML as
plain strings, and only card_html marks the whole card safe (tests/test_gallery_cards.py
shows outside text on a card as text). The markup is what
templates/admin/artwork/artwork/cards.html wraps: gallery.js and gallery.css read
its classes and data attributes.

A card reads its artwork's placements as with_placements gives them, with their TVs:
no query of its own.
"""

from collections import defaultdict
from dataclasses import dataclass
from html import escape as _e

from django.template.defaultfilters import time as time_format
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from docentsite.artwork.capacity import MADE_ROOM
from docentsite.artwork.models import (
    CARD_STATES,
    TV,
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Status,
)
from docentsite.artwork.reframe import replacement_said
from docentsite.sources.registry import source_label

#: Card states whose card refreshes itself: gallery.js polls the cards marked data-working.
_WORKING = {"pending", "prepared", "uploading"}
_ANALYSING = {AnalysisStatus.PENDING, AnalysisStatus.RUNNING}
_IN_TROUBLE = {"failed", "needs_attention"}
#: What a card says of its picture when nothing waits and nothing is wrong.
_NOW = {
    "pending": "Preparing the picture for the TV… this card updates by itself.",
    "prepared": "Ready, waiting for the TV… this card updates by itself.",
    "uploading": "Sending it to the TV… this card updates by itself.",
    "library": "In the library, on no TV.",
    "removed": "Removed from the TV; Docent keeps it.",
}
#: Each TV's part in a word, on a card that names each TV.
_ON_A_TV = {"queued": "waiting…", "uploading": "uploading…", "on_tv": "on the TV",
            "removed": "removed"}


#: The columns a card reads, only() them: the rest of a row, its JSON fields among them,
#: would be read and converted for nothing. A card reading another column makes a query
#: of its own for it: tests/test_gallery_queries.py counts them.
CARD_FIELDS = ("id", "source", "title", "original_filename", "thumbnail", "status",
               "last_error", "waiting_reason", "next_attempt_at", "analysis_status",
               "ai_title", "ai_artist", "ai_year", "ai_description", "ai_error", "favourite",
               "created_at", "sha256")
#: And those it reads of each placement.
PLACEMENT_FIELDS = ("id", "artwork", "tv", "status", "content_id", "matte_id", "last_error",
                    "waiting_reason", "next_attempt_at", "matte_note", "replace_asked_at",
                    "matte_asked")


@dataclass(frozen=True)
class Gallery:
    """What the cards of one page share."""

    url: str  # the gallery's address; each card's own pages are under it (get_urls)
    several_tvs: bool  # each card names each TV's part, rather than "the TV"
    watched_tv_id: int | None  # the default TV, when someone is watching it
    can_change: bool
    can_delete: bool


def with_placements(artworks: list[Artwork], *, tvs: list[TV]) -> list[Artwork]:
    """The page's artworks, each given its placements: one query, with no join, their
    TVs from `tvs` (the page has read them already). prefetch_related builds a queryset
    for every artwork and a TV for every placement: 17 ms for a page of 100 where this,
    with the artworks' query, takes 4."""
    tv_by_id = {tv.pk: tv for tv in tvs}
    by_artwork = defaultdict(list)
    # order_by(): Placement's own order joins its TV; Artwork.placed sorts them anyway.
    for placement in Placement.objects.filter(
            artwork__in=[a.pk for a in artworks]).order_by().only(*PLACEMENT_FIELDS):
        if placement.tv_id in tv_by_id:  # else a TV added since: read when needed
            placement.tv = tv_by_id[placement.tv_id]
        by_artwork[placement.artwork_id].append(placement)
    for artwork in artworks:
        artwork.set_placed(by_artwork[artwork.pk])
    return artworks


def card_html(artwork: Artwork, gallery: Gallery) -> SafeString:
    """One artwork's card: a table row, for the admin's select-all and actions script."""
    placed = artwork.placed
    state = artwork.state
    shown = [p for p in placed if p.is_on_tv]
    url = _e(f"{gallery.url}{artwork.pk}/")
    title = _e(str(artwork))
    working = (state in _WORKING or artwork.analysis_status in _ANALYSING
               or any(_replacing(p) for p in shown))
    # As gallery.js reads the API's placements: a replacement ending changes no status.
    placements = _e("".join(
        f"{p.tv_id}:{p.status}{'+' if p.replace_asked_at else ''} " for p in placed))
    meta = "" if gallery.several_tvs else "".join(
        f" · {_e(p.content_id)}{_matte(p, ' · ')}" for p in shown)
    return mark_safe(  # noqa: S308 - each value in it went through _e, here or in a helper
        f'<tr role="listitem" id="artwork-{artwork.pk}" class="artwork-card status-{_e(state)}" '
        f'data-id="{artwork.pk}" data-status="{_e(state)}" '
        f'data-analysis="{_e(artwork.analysis_status)}" data-placements="{placements}"'
        f'{" data-working" if working else ""}>\n'
        f'  <td class="action-checkbox"><input type="checkbox" name="_selected_action" '
        f'value="{artwork.pk}" class="action-select" aria-label="Select {title}"></td>\n'
        f'  <td class="artwork-thumb">{_thumbnail(artwork, url, title)}'
        f'<span class="artwork-badge {_e(state)}">{_e(CARD_STATES[state])}</span></td>\n'
        f'  <td class="artwork-text">\n'
        f'    <span class="artwork-heading">{_star(artwork, url, title, gallery)}'
        f'<a class="artwork-title" href="{url}change/">{title}</a></span>\n'
        f'    <span class="artwork-meta">{_e(source_label(artwork.source))}{meta}</span>\n'
        f'    {_tvs(placed) if gallery.several_tvs and placed else ""}{_described(artwork)}\n'
        f'    <span class="artwork-now" aria-live="polite">'
        f'{_now(artwork, state, gallery)}</span>\n'
        f'    {_actions(artwork, state, shown, url, title, gallery) if gallery.can_change else ""}'
        f'{_delete(state, shown, url, title) if gallery.can_delete else ""}\n'
        f'  </td>\n'
        f'</tr>\n')


def _thumbnail(artwork: Artwork, url: str, title: str) -> str:
    if not artwork.thumbnail:
        waiting = artwork.status == Status.PENDING
        return ('<span class="artwork-placeholder">'
                f'{"Preparing the picture…" if waiting else "No picture"}</span>')
    version = picture_version(artwork)
    return (f'<button type="button" class="artwork-open" data-image="{url}image/{version}" '
            f'data-title="{title}" aria-label="View {title} large"><img '
            f'src="{url}thumbnail/{version}" alt="{title}" loading="lazy"></button>')


def picture_version(artwork: Artwork) -> str:
    """The query that versions the addresses of an artwork's thumbnail and prepared
    JPEG: its hash, so a picture prepared again (a new crop, another framing) is fetched
    anew at once, and a browser may keep the old one as long as it likes."""
    return f"?v={artwork.sha256[:12]}"


def picture_url(artwork: Artwork, field: str = "thumbnail") -> str:
    """The versioned address of an artwork's `thumbnail` or prepared `image`, for any
    page but the gallery (whose cards build theirs from the page's own address)."""
    return reverse(f"admin:artwork_artwork_{field}", args=[artwork.pk]) + picture_version(artwork)


def _star(artwork: Artwork, url: str, title: str, gallery: Gallery) -> str:
    """The favourite star: a button that turns it on or off, for those who may change."""
    star = "★" if artwork.favourite else "☆"
    if not gallery.can_change:
        return (f'<span class="artwork-star" role="img" aria-label="Favourite">{star}</span>'
                if artwork.favourite else "")
    return (f'<button type="submit" class="artwork-star" formaction="{url}favourite/" '
            f'name="favourite" value="{0 if artwork.favourite else 1}" '
            f'aria-pressed="{"true" if artwork.favourite else "false"}" '
            f'aria-label="Favourite: {title}">{star}</button>')


def _matte(placement: Placement, before: str) -> str:
    if not placement.matte_id:
        return ""
    # Why the TV shows no matte where one was asked for: the owner sees it on hover.
    note = f"{before}{_e(placement.matte_note)}" if placement.matte_note else ""
    return f"{before}{_e(placement.matte_name)}{note}"


def _tvs(placed: list[Placement]) -> str:
    parts = "\n".join(_tv_part(placement) for placement in placed)
    return f'<ul class="artwork-tvs" aria-label="On the TVs">{parts}</ul>\n'


def _tv_part(placement: Placement) -> str:
    content_id = placement.content_id
    title = f' title="{_e(content_id)}{_matte(placement, " · ")}"' if content_id else ""
    word = _ON_A_TV.get(placement.status) or placement.get_status_display().lower()
    return (f'<li class="artwork-tv {_e(placement.status)}" data-tv="{placement.tv_id}"{title}>'
            f'{_e(placement.tv.name)}: {_e(word)}</li>')


def _described(artwork: Artwork) -> str:
    ai = ""
    if artwork.ai_title:
        artist = f" — {artwork.ai_artist}" if artwork.ai_artist else ""
        year = f", {artwork.ai_year}" if artwork.ai_year else ""
        ai = f'<span class="artwork-ai">{_e(artwork.ai_title + artist + year)}</span>\n'
    if artwork.ai_description:
        description = artwork.ai_description
    elif artwork.analysis_status == AnalysisStatus.FAILED:
        description = f"No description: {artwork.ai_error}"
    elif artwork.analysis_status in _ANALYSING:
        description = "Being described…"
    else:
        return ai
    return f'{ai}<span class="artwork-description">{_e(description)}</span>'


def _replacing(placement: Placement) -> bool:
    """On the TV, and to be sent again (a new crop, another matte) by the TV's lane."""
    return placement.is_on_tv and placement.replace_asked_at is not None


def _now(artwork: Artwork, state: str, gallery: Gallery) -> str:
    """Why it waits, what went wrong, or what it is doing."""
    replacing = [p for p in artwork.placed if _replacing(p)]
    if replacing:
        # On the TV all the same: what it shows until its lane gets to it, as the crop
        # page says it.
        said = " ".join(f"{p.tv.name + ': ' if gallery.several_tvs else ''}"
                        f"{replacement_said(p)}" for p in replacing)
        return f'<span class="artwork-working">{_e(said)} This card updates by itself.</span>'
    waiting = artwork.placement_waiting
    if artwork.waiting_reason or waiting:
        step = artwork if artwork.waiting_reason else waiting
        where = f" for {waiting.tv.name}" if step is waiting and gallery.several_tvs else ""
        return (f'<span class="artwork-waiting">'
                f'{_e(f"Waiting{where}: {step.waiting_reason}{_next_try(step.next_attempt_at)}")}'
                '</span>')
    if state in _IN_TROUBLE:
        error = artwork.last_error or artwork.placement_error or "Stopped without a reason."
        return f'<span class="artwork-error">{_e(error)}</span>'
    made_room = _made_room(artwork)
    if state in _NOW:
        return f'<span class="artwork-working">{_NOW[state]}{made_room}</span>'
    return f'<span class="artwork-working">{made_room.lstrip()}</span>' if made_room else ""


def _made_room(artwork: Artwork) -> str:
    """What each TV that took it off to make room for another picture said of it
    (capacity.made_room_note), from the placements as prefetched."""
    return "".join(f" {_e(p.tv.name)}: {_e(p.last_error)}" for p in artwork.placed
                   if p.status == PlacementStatus.REMOVED
                   and p.last_error.startswith(MADE_ROOM))


def _next_try(at) -> str:
    return f" Next try at {time_format(template_localtime(at), 'H:i:s')}." if at else ""


def _actions(artwork: Artwork, state: str, shown: list[Placement], url: str, title: str,
             gallery: Gallery) -> str:
    if shown:
        first = shown[0]
        if gallery.watched_tv_id and first.tv_id == gallery.watched_tv_id:
            # "Show on TV now" never interrupts: the card says so before anyone clicks.
            tv = _e(first.tv.name) if gallery.several_tvs else "The TV"
            show = (f'<button type="button" class="button" disabled aria-describedby='
                    f'"artwork-watched-{artwork.pk}">Show on TV now</button>\n'
                    f'<span class="artwork-hint" id="artwork-watched-{artwork.pk}">{tv} is '
                    'being watched: Docent does not interrupt.</span>')
        else:
            show = (f'<button type="submit" class="button" formaction="{url}show/" '
                    f'aria-label="Show on TV now: {title}">Show on TV now</button>')
        offered = (f'{show}\n<a class="button" href="{url}matte/" aria-label="Change matte: '
                   f'{title}">Change matte</a>\n<a class="button" href="{url}remove/" '
                   f'aria-label="Remove from TV: {title}">Remove from TV</a>')
    elif artwork.removed_from_all:
        offered = (f'<button type="submit" class="button default" formaction="{url}put-back/" '
                   f'aria-label="Put back: {title}">Put back</button>')
    elif state in _IN_TROUBLE:
        offered = '<span class="artwork-hint">Select it and choose “Retry” to try again.</span>'
    else:
        offered = ""
    return f'<span class="artwork-actions">{offered}</span>\n'


def _delete(state: str, shown: list[Placement], url: str, title: str) -> str:
    if shown or state == "uploading":
        offered = "Delete from Docent: remove it from the TV first."
    else:
        offered = (
            f'<a href="{url}delete/" aria-label="Delete from Docent: {title}">'  # noqa: S608 - not SQL
            'Delete from Docent</a> (not on the TV: nothing changes there)')
    return f'<span class="artwork-delete">{offered}</span>'
