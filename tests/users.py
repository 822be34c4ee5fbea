"""Staff users holding exactly the model permissions a test gives them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client


def staff_with(*perms: str, username: str = "curator"):
    """A staff user with these permissions ("app_label.codename"), and no others."""
    user, _ = get_user_model().objects.get_or_create(username=username, is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def signed_in(*perms: str, client: Client | None = None) -> Client:
    """A test client signed in as the staff user with these permissions."""
    client = client or Client()
    client.force_login(staff_with(*perms))
    return client


def recording(client: Client, *perms: str) -> Client:
    """`client` signed in with `perms`, with `client.call(method, url, **kwargs)`: a JSON
    request whose response body is kept in `client.bodies` (for the secret checks)."""
    signed_in(*perms, client=client)
    client.bodies = []

    def call(method, url, **kwargs):
        response = getattr(client, method)(url, content_type="application/json", **kwargs)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        client.bodies.append(body)
        return response

    client.call = call
    return client
