"""Immich's settings, read with Docent's strict readers (docentsite.settings takes them
in; each is in .env.example). IMMICH_API_KEY_FILE names a file holding the key."""

from docentsite import config

IMMICH_URL = config.url("IMMICH_URL")
IMMICH_API_KEY = config.text("IMMICH_API_KEY")
IMMICH_VERIFY_SSL = config.flag("IMMICH_VERIFY_SSL", True)
IMMICH_TIMEOUT = config.number("IMMICH_TIMEOUT", 15, minimum=1)
IMMICH_DOWNLOAD_TIMEOUT = config.number("IMMICH_DOWNLOAD_TIMEOUT", 900, minimum=1)
