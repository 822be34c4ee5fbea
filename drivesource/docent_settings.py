"""Google Drive's settings, read with Docent's strict readers (docentsite.settings takes
them in; each is in .env.example). DRIVE_API_KEY_FILE reads the key from a file."""

from docentsite import config

DRIVE_API_KEY = config.text("DRIVE_API_KEY")
DRIVE_FOLDER_URL = config.text("DRIVE_FOLDER_URL")
DRIVE_TIMEOUT = config.number("DRIVE_TIMEOUT", 15, minimum=1)
DRIVE_DOWNLOAD_TIMEOUT = config.number("DRIVE_DOWNLOAD_TIMEOUT", 900, minimum=1)
DRIVE_API_URL = config.url("DRIVE_API_URL", "https://www.googleapis.com")
