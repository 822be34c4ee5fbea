"""Google Drive on the status page and in `docent_check`: the checks the registry calls."""

from django.conf import settings

from docentsite.artwork.errors import DocentError
from docentsite.health import Check, Level
from drivesource import client as drive

LABEL = "Google Drive"


def drive_settings_check() -> Check | None:
    """The check when the settings alone tell (not set up, or set up wrong), without
    asking Google; None when only Google can tell."""
    configured = bool(settings.DRIVE_API_KEY or settings.DRIVE_FOLDER_URL)
    try:
        drive.from_settings()
        drive.folder_from_settings()
    except drive.DriveNotConfigured as exc:
        facts = {"configured": configured, "connected": False, "folder": None,
                 "error": str(exc)}
        if not configured:
            return Check(LABEL, Level.OFF, "not set up (set DRIVE_API_KEY and DRIVE_FOLDER_URL "
                         "to use it)", facts=facts)
        return Check(LABEL, Level.WARNING, str(exc), facts=facts)
    return None


def drive_check(*, remember: bool = True) -> Check:
    """Google Drive, asked: is the shared folder there and shared with anyone with the
    link? Writes nothing (`remember` has nothing to keep)."""
    told = drive_settings_check()
    if told:
        return told
    try:
        folder = drive.from_settings().folder(drive.folder_from_settings())
    except DocentError as exc:
        return Check(LABEL, Level.WARNING, str(exc), facts={
            "configured": True, "connected": False, "folder": None, "error": str(exc)})
    return Check(LABEL, Level.OK, f'folder "{folder.name}", shared with anyone with the link',
                 facts={"configured": True, "connected": True, "error": None,
                        "folder": {"id": folder.id, "name": folder.name}})
