"""Staff users holding exactly the model permissions a test gives them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission


def staff_with(*perms: str, username: str = "curator"):
    """A staff user with these permissions ("app_label.codename"), and no others."""
    user, _ = get_user_model().objects.get_or_create(username=username, is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user
