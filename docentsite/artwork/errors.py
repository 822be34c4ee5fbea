"""The error types every outside-system module raises at its edge.

Two families, because callers only ever need to decide one thing: try again
later (the TV is off, a source is restarting) or tell a person (this file is not
a picture, the token was revoked). The API maps them to HTTP in one place and
tasks map them to retry-or-fail in one place.
"""


class DocentError(Exception):
    """Base for errors whose message is fit to show a person."""

    #: True when the same call may succeed later without anyone acting.
    transient = False


class Unavailable(DocentError):
    """An outside system cannot be reached or is busy: retry later (HTTP 503)."""

    transient = True


class Rejected(DocentError):
    """The input itself is refused: retrying will not help (HTTP 422)."""


class NotFound(DocentError):
    """The thing asked for does not exist (HTTP 404)."""


class NeedsAttention(DocentError):
    """A person must look before anything else is tried (HTTP 409)."""
