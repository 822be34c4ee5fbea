"""Signed URLs: a link that carries its own permission, for what a page lists by the
hundred (a grid's thumbnails), so that each request it makes is answered without
reading the session and its user (about 1 ms of a 3 ms thumbnail).

The page that lists them is signed in and checked; it signs each link it writes with
the site's SECRET_KEY (an HMAC: the key never leaves the server) over what the link
names (its kind and ids) and an expiry. The route then checks the signature alone:
no database, no session. A signature is valid from the time bucket it was made in to
the end of the next one (BUCKET_SECONDS to twice that), so that a page reloaded
within a bucket writes the same links and the browser's cache holds; a link copied
or leaked elsewhere opens that one picture for a few hours at most. A missing,
expired or wrong signature is no answer of its own: the route asks for the API token
or the session as before, so a page left open longer still loads for its user.

Not bound to a session: signing out does not take back links already written, they
lapse with their bucket. Changing SECRET_KEY takes all of them back (a key moved to
SECRET_KEY_FALLBACKS keeps its links valid until they lapse).
"""

import base64
import functools
import hashlib
import hmac
import time

from django.conf import settings

#: The query parameter a signed URL carries its signature in.
PARAM = "s"
BUCKET_SECONDS = 4 * 3600
_SALT = b"docentsite.signedurls"


def signature(*parts: str, now: float | None = None) -> str:
    """The signature of a link naming `parts` (its kind first, e.g. "plex-thumbnail",
    then its ids): "<expiry>.<mac>", plain URL characters, to go in PARAM."""
    now = time.time() if now is None else now
    expires = (int(now) // BUCKET_SECONDS + 2) * BUCKET_SECONDS
    return f"{expires:x}.{_mac(settings.SECRET_KEY, expires, parts)}"


def is_valid(signed: str, *parts: str, now: float | None = None) -> bool:
    """Whether `signed` (a PARAM value) was made here for `parts` and has not lapsed."""
    expires_text, _, mac = signed.partition(".")
    if not (0 < len(expires_text) <= 12 and mac):
        return False
    try:
        expires = int(expires_text, 16)
    except ValueError:
        return False
    if expires <= (time.time() if now is None else now):
        return False
    return any(hmac.compare_digest(mac, _mac(secret, expires, parts))
               for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


def _mac(secret: str, expires: int, parts: tuple[str, ...]) -> str:
    # Each part with its length first: ("a:b", "c") and ("a", "b:c") sign differently.
    message = f"{expires}" + "".join(f"|{len(part)}:{part}" for part in parts)
    digest = hmac.new(_key(secret), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    # A key of its own, derived as Django's salted_hmac does: a signature made here is
    # worth nothing to any other use of SECRET_KEY, and the reverse.
    return hashlib.sha256(_SALT + secret.encode()).digest()
