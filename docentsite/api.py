"""The one NinjaAPI: authentication, error mapping, and the source routers."""

import logging

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.utils.crypto import constant_time_compare
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from docentsite.artwork.errors import DocentError, NeedsAttention, NotFound, Rejected, Unavailable
from docentsite.permissions import BEARER

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
    description="Curate pictures for a Samsung The Frame TV.",
    auth=[ApiToken(), StaffSession()],
    docs_url="/docs",
    # The schema and its page, behind the admin login like everything else.
    docs_decorator=staff_member_required,
    urls_namespace="api",
)

_STATUS_FOR = ((Unavailable, 503), (Rejected, 422), (NotFound, 404), (NeedsAttention, 409))


@api.exception_handler(DocentError)
def docent_error(request, exc: DocentError):
    status = next((code for kind, code in _STATUS_FOR if isinstance(exc, kind)), 500)
    logger.warning("%s %r -> %s: %r", request.method, request.path, status, str(exc))
    return api.create_response(request, {"detail": str(exc)}, status=status)


api.add_router("/", "docentsite.artwork.api.router")
api.add_router("/", "docentsite.artwork.api_tvs.router")
api.add_router("/plex/", "plexsource.api.router")
