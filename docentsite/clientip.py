"""The visitor's address, for login throttling."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind a TLS proxy the address the proxy saw: the last entry of
    X-Forwarded-For, which the proxy adds (the ones before it, a client may forge)."""
    if settings.TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")
