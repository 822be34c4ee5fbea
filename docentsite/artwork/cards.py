"""The gallery's cards, one per artwork of the page, as HTML.

Built here rather than in a template: a card says a lot (its state, each TV's part,
what is wrong, what may be done next), and Django's template engine spends about
7 µs on each value it writes out and each test it makes, some 100 of them a card:
half a page's time at 100 cards. The same card with format_html takes a quarter
of that. The markup is what templates/admin/artwork/artwork/cards.html wraps:
gallery.js and gallery.css read its classes and data attributes.

A card reads its artwork's placements as prefetched (ArtworkAdmin.get_queryset),
with their TVs: no query of its own.
"""

from dataclasses import dataclass

from django.template.defaultfilters import time as time_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from docentsite.artwork.models import CARD_STATES, AnalysisStatus, Artwork, Placement, Status

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


@dataclass(frozen=True)
class Gallery:
    """What the cards of one page share."""

    url: str  # the gallery's address; each card's own pages are under it (get_urls)
    several_tvs: bool  # each card names each TV's part, rather than "the TV"
    watched_tv_id: int | None  # the default TV, when someone is watching it
    can_change: bool
    can_delete: bool


def card_html(artwork: Artwork, gallery: Gallery) -> SafeString:
    """One artwork's card: a table row, for the admin's select-all and actions script."""
    placed = artwork.placed
    state = artwork.state
    shown = [p for p in placed if p.is_on_tv]
    url = f"{gallery.url}{artwork.pk}/"
    working = state in _WORKING or artwork.analysis_status in _ANALYSING
    return format_html(
        '<tr role="listitem" id="artwork-{pk}" class="artwork-card status-{state}" '
        'data-id="{pk}" data-status="{state}" data-analysis="{analysis}" '
        'data-placements="{placements}"{working}>\n'
        '  <td class="action-checkbox"><input type="checkbox" name="_selected_action" '
        'value="{pk}" class="action-select" aria-label="Select {title}"></td>\n'
        '  <td class="artwork-thumb">{thumb}'
        '<span class="artwork-badge {state}">{state_words}</span></td>\n'
        '  <td class="artwork-text">\n'
        '    <a class="artwork-title" href="{url}change/">{title}</a>\n'
        '    <span class="artwork-meta">{source}{meta}</span>\n'
        '    {tvs}{described}\n'
        '    <span class="artwork-now" aria-live="polite">{now}</span>\n'
        '    {actions}{delete}\n'
        '  </td>\n'
        '</tr>\n',
        pk=artwork.pk, state=state, analysis=artwork.analysis_status,
        placements="".join(f"{p.tv_id}:{p.status} " for p in placed),
        working=mark_safe(" data-working") if working else "", title=str(artwork),
        thumb=_thumbnail(artwork, url), state_words=CARD_STATES[state], url=url,
        source=artwork.get_source_display(),
        meta="" if gallery.several_tvs else format_html_join(
            "", " · {}{}", ((p.content_id, _matte(p, " · ")) for p in shown)),
        tvs=_tvs(placed) if gallery.several_tvs and placed else "",
        described=_described(artwork), now=_now(artwork, state, gallery),
        actions=_actions(artwork, state, shown, url, gallery) if gallery.can_change else "",
        delete=_delete(artwork, state, shown, url) if gallery.can_delete else "",
    )


def _thumbnail(artwork: Artwork, url: str) -> SafeString:
    if not artwork.thumbnail:
        return format_html('<span class="artwork-placeholder">{}</span>',
                           "Preparing the picture…" if artwork.status == Status.PENDING
                           else "No picture")
    return format_html(
        '<button type="button" class="artwork-open" data-image="{url}image/" '
        'data-title="{title}" aria-label="View {title} large"><img src="{url}thumbnail/" '
        'alt="{title}" loading="lazy"></button>', url=url, title=str(artwork))


def _matte(placement: Placement, before: str) -> str:
    return f"{before}{placement.matte_name}" if placement.matte_id else ""


def _tvs(placed: list[Placement]) -> SafeString:
    parts = format_html_join(
        "\n", '<li class="artwork-tv {}" data-tv="{}"{}>{}: {}</li>',
        ((p.status, p.tv_id,
          format_html(' title="{}{}"', p.content_id, _matte(p, " · ")) if p.content_id else "",
          p.tv.name, _ON_A_TV.get(p.status) or p.get_status_display().lower())
         for p in placed))
    return format_html('<ul class="artwork-tvs" aria-label="On the TVs">{}</ul>\n', parts)


def _described(artwork: Artwork) -> SafeString:
    ai = ""
    if artwork.ai_title:
        ai = format_html('<span class="artwork-ai">{}{}{}</span>\n', artwork.ai_title,
                         f" — {artwork.ai_artist}" if artwork.ai_artist else "",
                         f", {artwork.ai_year}" if artwork.ai_year else "")
    if artwork.ai_description:
        description = artwork.ai_description
    elif artwork.analysis_status == AnalysisStatus.FAILED:
        description = f"No description: {artwork.ai_error}"
    elif artwork.analysis_status in _ANALYSING:
        description = "Being described…"
    else:
        return format_html("{}", ai)
    return format_html('{}<span class="artwork-description">{}</span>', ai, description)


def _now(artwork: Artwork, state: str, gallery: Gallery) -> SafeString:
    """Why it waits, what went wrong, or what it is doing."""
    waiting = artwork.placement_waiting
    if artwork.waiting_reason or waiting:
        step = artwork if artwork.waiting_reason else waiting
        where = f" for {waiting.tv.name}" if step is waiting and gallery.several_tvs else ""
        return format_html('<span class="artwork-waiting">Waiting{}: {}{}</span>', where,
                           step.waiting_reason, _next_try(step.next_attempt_at))
    if state in _IN_TROUBLE:
        return format_html('<span class="artwork-error">{}</span>',
                           artwork.last_error or artwork.placement_error
                           or "Stopped without a reason.")
    if state in _NOW:
        return format_html('<span class="artwork-working">{}</span>', _NOW[state])
    return SafeString("")


def _next_try(at) -> str:
    return f" Next try at {time_format(template_localtime(at), 'H:i:s')}." if at else ""


def _actions(artwork: Artwork, state: str, shown: list[Placement], url: str,
             gallery: Gallery) -> SafeString:
    title = str(artwork)
    if shown:
        first = shown[0]
        if gallery.watched_tv_id and first.tv_id == gallery.watched_tv_id:
            # "Show on TV now" never interrupts: the card says so before anyone clicks.
            show = format_html(
                '<button type="button" class="button" disabled aria-describedby='
                '"artwork-watched-{pk}">Show on TV now</button>\n<span class="artwork-hint" '
                'id="artwork-watched-{pk}">{tv} is being watched: Docent does not '
                'interrupt.</span>', pk=artwork.pk,
                tv=first.tv.name if gallery.several_tvs else "The TV")
        else:
            show = format_html('<button type="submit" class="button" formaction="{}show/" '
                               'aria-label="Show on TV now: {}">Show on TV now</button>',
                               url, title)
        offered = format_html(
            '{show}\n<a class="button" href="{url}matte/" aria-label="Change matte: {title}">'
            'Change matte</a>\n<a class="button" href="{url}remove/" aria-label="Remove from '
            'TV: {title}">Remove from TV</a>', show=show, url=url, title=title)
    elif artwork.removed_from_all:
        offered = format_html('<button type="submit" class="button default" formaction='
                              '"{}put-back/" aria-label="Put back: {}">Put back</button>',
                              url, title)
    elif state in _IN_TROUBLE:
        offered = mark_safe('<span class="artwork-hint">Select it and choose “Retry” to try '
                            'again.</span>')
    else:
        offered = ""
    return format_html('<span class="artwork-actions">{}</span>\n', offered)


def _delete(artwork: Artwork, state: str, shown: list[Placement], url: str) -> SafeString:
    if shown or state == "uploading":
        offered = "Delete from Docent: remove it from the TV first."
    else:
        offered = format_html('<a href="{}delete/" aria-label="Delete from Docent: {}">Delete '
                              'from Docent</a> (not on the TV: nothing changes there)',
                              url, str(artwork))
    return format_html('<span class="artwork-delete">{}</span>', offered)
