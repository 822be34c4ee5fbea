"""Docent's own pages and API routes check the Django model permissions that match what
they do, as the admin's model pages do: a staff user without them gets 403.

Superusers have every permission; so does a script holding DOCENT_API_TOKEN.
"""

import functools

from django.core.exceptions import PermissionDenied
from ninja.errors import AuthorizationError

#: What ApiToken.authenticate returns: the bearer of DOCENT_API_TOKEN.
BEARER = "api-token"


def api_requires(*perms: str):
    """A ninja route needs `perms` from a signed-in user; the API token has them all."""

    def decorate(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            api_check(request, *perms)
            return view(request, *args, **kwargs)

        return checked

    return decorate


def api_check(request, *perms: str) -> None:
    """What api_requires checks, for a permission only some requests of a route need."""
    if request.auth != BEARER and not request.user.has_perms(perms):
        raise AuthorizationError(message=denied(perms))


def page_requires(*perms: str):
    """An admin page needs `perms`: 403 without them (the admin login comes first)."""

    def decorate(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                raise PermissionDenied(denied(perms))
            return view(request, *args, **kwargs)

        return checked

    return decorate


def admin_page(view, *perms):
    """An admin page behind the admin login that needs `perms` (403 without them)."""
    from django.contrib import admin

    return admin.site.admin_view(page_requires(*perms)(view))


def denied(perms) -> str:
    return ("Your account lacks the permission(s) " + ", ".join(perms)
            + ": ask the site's owner to give them in Users or Groups.")
