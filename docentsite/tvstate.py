"""The TV's state in a word, for the dot in the header of every Docent page.

A page never waits for the TV: it shows the last state known (from the cache), and a
few lines of JavaScript ask the endpoint, which asks the TV at most once every
FRESH_FOR seconds, with a short timeout, and one request at a time.
"""

import time
from dataclasses import asdict, dataclass

from django.core.cache import cache

from docentsite.artwork import frametv
from docentsite.artwork.errors import DocentError

#: Seconds a state is shown as it is before the TV is asked again.
FRESH_FOR = 30
#: Seconds the TV has to answer: an awake TV answers in well under one.
TIMEOUT = 3
_STATE, _ASKING = "docent:tv-state", "docent:tv-state-asking"

#: key -> (the word in the header, what it means)
MEANINGS = {
    "listening": ("listening", "The TV shows art: new pictures go on it now."),
    "watched": ("being watched", "The TV is on and someone watches it: pictures wait for "
                                 "Art Mode to be shown."),
    "asleep": ("asleep", "The TV does not answer: it is off, or not on this network. "
                         "Uploads wait for it."),
    "on": ("on", "The TV answers, but did not say whether it shows art."),
    "not-paired": ("not paired", "Docent is not paired with the TV yet: pair it from the "
                                 "status page."),
    "not-set-up": ("not set up", "No TV yet: set TV_HOST in .env."),
    "attention": ("needs attention", "The TV answers, but not as it should: see Docent "
                                     "status."),
    "checking": ("checking…", "Docent is asking the TV."),
}


@dataclass(frozen=True)
class TVState:
    key: str
    word: str
    detail: str
    checked_at: float


def _state(key: str, *, at: float = 0.0) -> TVState:
    word, detail = MEANINGS[key]
    return TVState(key=key, word=word, detail=detail, checked_at=at)


def tv_state_known() -> TVState:
    """The last state found, without asking the TV ("checking…" before the first)."""
    found = cache.get(_STATE)
    return TVState(**found) if found else _state("checking")


def tv_state_check() -> TVState:
    """The TV's state, asked of the TV unless a recent answer or another request's
    question in flight makes that unnecessary."""
    known = tv_state_known()
    if time.time() - known.checked_at < FRESH_FOR:
        return known
    if not cache.add(_ASKING, True, timeout=TIMEOUT * 4):
        return known
    try:
        state = _state(_ask_tv(), at=time.time())
        cache.set(_STATE, asdict(state), timeout=None)
    finally:
        cache.delete(_ASKING)
    return state


def _ask_tv() -> str:
    from docentsite.artwork import tvs

    try:
        tv = tvs.frame_of(tvs.tv_default())
    except frametv.TVUnavailable:
        return "not-set-up"
    # The header is not worth TV_TIMEOUT: a TV that is slow to answer counts as asleep.
    tv.timeout = min(tv.timeout, TIMEOUT)
    try:
        tv.device_info()
    except DocentError:
        return "asleep"
    if not tv.has_token():
        return "not-paired"
    try:
        art_mode = tv.art_mode()
    except (frametv.TVAuthPending, frametv.TVAuthDenied):
        return "not-paired"
    except DocentError:
        return "attention"
    return {True: "listening", False: "watched"}.get(art_mode, "on")


def header_context(request) -> dict:
    """The context processor for the header: the last state known, to those who may
    see the status page."""
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("artwork.view_artwork"):
        return {}
    return {"docent_tv": tv_state_known()}
