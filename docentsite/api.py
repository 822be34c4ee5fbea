"""The one NinjaAPI: authentication, error mapping, and the source routers."""

import functools
import logging

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.utils.crypto import constant_time_compare
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from docentsite import signedurls
from docentsite.artwork.errors import DocentError, NeedsAttention, NotFound, Rejected, Unavailable
from docentsite.permissions import BEARER, denied
from docentsite.sources.registry import sources

logger = logging.getLogger(__name__)


class StaffSession(SessionAuth):
    """A logged-in staff user of the admin; ninja checks CSRF on writes.

    Each route then checks the user's model permissions (docentsite.permissions).
    """

    def authenticate(self, request, key):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            return user
        return None


class ApiToken(HttpBearer):
    """`Authorization: Bearer <DOCENT_API_TOKEN>`, for scripts and home automation."""

    def authenticate(self, request, token):
        expected = settings.DOCENT_API_TOKEN
        if expected and constant_time_compare(token, expected):
            return BEARER
        return None


api = NinjaAPI(
    title="Docent",
    version="1",
    description=" ".join(["Curate pictures for a Samsung The Frame TV.",
                          *(source.api_note for source in sources() if source.api_note)]),
    auth=[ApiToken(), StaffSession()],
    docs_url="/docs",
    # The schema and its page, behind the admin login like everything else.
    docs_decorator=staff_member_required,
    urls_namespace="api",
)

_STATUS_FOR = ((Unavailable, 503), (Rejected, 422), (NotFound, 404), (NeedsAttention, 409))


def _status(request, exc: DocentError) -> int:
    status = next((code for kind, code in _STATUS_FOR if isinstance(exc, kind)), 500)
    logger.warning("%s %r -> %s: %r", request.method, request.path, status, str(exc))
    return status


@api.exception_handler(DocentError)
def docent_error(request, exc: DocentError):
    return api.create_response(request, {"detail": str(exc)}, status=_status(request, exc))


def plain_route(*perms: str, signed_as=None):
    """A view under /api/ that ninja does not run, for the one route whose every
    millisecond counts (a grid's thumbnails): the routes' authentication, permission
    check and error answers, without parsing and schemas.

    `signed_as(request, *args, **kwargs)`, if given, is what the request asks for as
    a signed URL of it names it (docentsite.signedurls): with a valid signature
    neither the token nor the session is read. Only a page checked for `perms` may
    sign such a URL."""
    token, session = ApiToken(), StaffSession()

    def decorate(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            signed = signed_as is not None and signedurls.is_valid(
                request.GET.get(signedurls.PARAM, ""), *signed_as(request, *args, **kwargs))
            if not signed and not token(request):
                if not session.authenticate(request, None):
                    return JsonResponse({"detail": "Unauthorized"}, status=401)
                if not request.user.has_perms(perms):
                    return JsonResponse({"detail": denied(perms)}, status=403)
            try:
                return view(request, *args, **kwargs)
            except DocentError as exc:
                return JsonResponse({"detail": str(exc)}, status=_status(request, exc))

        return checked

    return decorate


api.add_router("/", "docentsite.artwork.api.router")
api.add_router("/", "docentsite.artwork.api_tvs.router")
api.add_router("/", "docentsite.artwork.api_collections.router")
for _source in sources():
    if _source.api_router:
        api.add_router(f"/{_source.api_prefix or _source.key}/", _source.api_router)
