"""Plex's settings, read with Docent's strict readers (docentsite.settings takes them in;
each is in .env.example)."""

from docentsite import config

PLEX_URL = config.url("PLEX_URL")
PLEX_TOKEN = config.text("PLEX_TOKEN")
PLEX_VERIFY_SSL = config.flag("PLEX_VERIFY_SSL", True)
PLEX_TIMEOUT = config.number("PLEX_TIMEOUT", 15, minimum=1)
PLEX_DOWNLOAD_TIMEOUT = config.number("PLEX_DOWNLOAD_TIMEOUT", 900, minimum=1)
PLEX_DOWNLOAD_MIN_RATE = config.number("PLEX_DOWNLOAD_MIN_RATE", 16, minimum=0)
