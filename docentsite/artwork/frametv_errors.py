"""What the Frame TV's failures mean: Docent's error types for them, and the art app's
error codes sorted by what a caller should do (frame-tv-protocol.md, section 7).

frametv.py raises these; nothing here talks to the TV.
"""

from __future__ import annotations

from docentsite.artwork.errors import DocentError, NeedsAttention, Rejected, Unavailable

ERROR_NAMES = {
    "0": "NO_ERROR", "-1": "SYSTEM_FAIL", "-2": "NO_PERMISSION", "-3": "NO_MEMORY",
    "-4": "FILE_NOT_FOUND", "-5": "DB_ERROR", "-6": "REQUEST_PARSE_FAIL",
    "-7": "INVALID_PARAMETER", "-8": "SSO_REQUIRED", "-9": "NOT_SUPPORTED_API",
    "-10": "TEMPORARILY_UNAVAILABLE", "-11": "INSUFFICIENT_SPACE",
    "-12": "CHECKOUT_IN_PROGRESS", "-13": "PREVIEW_NOT_STARTED",
    "-14": "INSUFFICIENT_SYSTEM_SPACE",
}
# Busy or short of memory right now: the same request may work later.
BUSY = frozenset({"-3", "-10", "-12"})
# A full store: a person must make room.
STORAGE_FULL = frozenset({"-11", "-14"})
# The TV no longer grants Docent permission: pair again.
PERMISSION = frozenset({"-2", "-8"})
# Every other code (-1, -4 to -7, -9, -13, codes Docent does not know) refuses the
# request or the picture for good - but -1 is also what a jammed art service answers
# until the TV is switched off and on, which is why an upload gives it one more try.
SYSTEM_FAIL = "-1"
# The firmware does not know the request: asking again will not help until an update.
NOT_SUPPORTED = "-9"


class TVUnavailable(Unavailable):
    """The TV is off, unreachable, busy or did not answer in time."""


class TVAuthPending(Unavailable):
    """The TV waits for its owner to press Allow, or Docent is not paired yet."""


class TVTokenStale(TVAuthPending):
    """The TV no longer knows Docent's token (a firmware update or a reset makes it
    forget): Docent has dropped the token, and pairing again mends it."""


class TVAuthDenied(NeedsAttention):
    """The owner pressed Deny: the TV turns Docent away until someone allows it."""


class TVUploadUnconfirmed(Unavailable):
    """The picture may be on the TV but no image_added came: reconcile before retrying."""


class TVAnswered(DocentError):
    """The art app answered with an error event: `code` is its error_code ("-10").
    Each subclass is also the family that says what to do about it."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class TVRejected(TVAnswered, Rejected):
    """The art app refused the request or the picture; asking again will not help."""


class TVNotSupported(TVRejected):
    """The TV's firmware does not know the request (-9): an older or newer set that
    lacks it. Ask it again only after a firmware update."""


class TVBusy(TVAnswered, TVUnavailable):
    """The art app is busy or short of memory: try again later."""


class TVStorageFull(TVAnswered, NeedsAttention):
    """The TV's art storage is full: a person must remove pictures from it."""


class TVPermissionLost(TVAnswered, TVTokenStale):
    """The art app answered that Docent has no permission (-2, -8)."""


def error_code(raw: object) -> str:
    """The code in one form: "-10", -10 and " -10 " are all "-10"."""
    text = "" if raw is None else str(raw).strip()
    try:
        return str(int(text))
    except ValueError:
        return text or "unknown"


def error_for_code(raw_code: object, *, request: str, at: str, tls: bool) -> DocentError:
    """Our error for the art app's answer `error_code` to `request`.

    `at` names the TV ("The TV at 10.0.0.5:8002"); `tls` says whether Docent holds a
    token for it at all (on port 8001 there is none to drop).
    """
    code = error_code(raw_code)
    name = ERROR_NAMES.get(code, "a code Docent does not know")
    said = f"error {code} {name}" if code in ERROR_NAMES else f"error {code} ({name})"
    if code in BUSY:
        return TVBusy(f"{at} is busy and turned down {request} for now ({said}).", code=code)
    if code in STORAGE_FULL:
        return TVStorageFull("The TV's art storage is full: remove pictures from it, then "
                             f"retry ({said} to {request}).", code=code)
    if code in PERMISSION and tls:
        return TVPermissionLost(
            f"{at} no longer grants Docent permission ({said} to {request}): Docent dropped "
            "its token; pair again and press Allow on the TV.", code=code,
        )
    if code == NOT_SUPPORTED:
        return TVNotSupported(f"The TV refused {request}: {said}.", code=code)
    return TVRejected(f"The TV refused {request}: {said}.", code=code)
