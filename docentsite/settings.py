"""Docent's settings, all read from the environment or .env (see .env.example)."""

import importlib
import os
from datetime import timedelta
from pathlib import Path

from docentsite import config

BASE_DIR = Path(__file__).resolve().parent.parent

_env_file = Path(os.environ.get("DOCENT_ENV_FILE", BASE_DIR / ".env"))
if _env_file.is_file():
    config.env.read_env(str(_env_file), overwrite=False)

DOCENT_DATA_DIR = config.path("DOCENT_DATA_DIR", BASE_DIR / "data")
# The database, pictures, tokens and keys inside are the owner's alone.
config.private_dir(DOCENT_DATA_DIR)

SECRET_KEY = config.secret_key(DOCENT_DATA_DIR)
DEBUG = config.flag("DEBUG", False)
# A home server is reached by IP, host name and .local name alike; narrow it
# when Docent is exposed beyond the home network.
ALLOWED_HOSTS = config.words("ALLOWED_HOSTS", ["*"])
CSRF_TRUSTED_ORIGINS = config.words("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "docentsite.artwork",
    "docentsite.status",
    "docentsite.sources",
    "plexsource",
    "drivesource",
    "immichsource",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after 5 wrong passwords from one address, logins from it
# wait 15 minutes (`./docent manage axes_reset` lifts it at once).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_CLIENT_IP_CALLABLE = "docentsite.clientip.client_ip"

ROOT_URLCONF = "docentsite.urls"
WSGI_APPLICATION = "docentsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "docentsite.tvstate.header_context",
            ],
        },
    },
]

DATABASES = {
    "default": config.database(
        "DATABASE_URL", f"sqlite:///{DOCENT_DATA_DIR / 'docent.sqlite3'}"
    )
}
# Each web thread keeps its connection between requests: opening one (and SQLite's
# PRAGMAs below) cost a page ~3 ms, more than the rest of a browse page's SQL.
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Created here, private, if it is not there yet: SQLite gives its journal
    # files the database file's mode.
    config.private_file(Path(DATABASES["default"]["NAME"]))
    # The web process and the worker write to the same file: WAL lets readers
    # go on while one writes, IMMEDIATE takes the write lock at BEGIN (no
    # deadlocking upgrades), and the timeout waits for it instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = config.text("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DOCENT_DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DOCENT_DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Photos straight off a camera are large; the upload form streams them to disk.
DATA_UPLOAD_MAX_NUMBER_FILES = 500
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# The upload form refuses a larger file, naming it; a panorama or a scan may be big.
UPLOAD_MAX_MB = config.number("UPLOAD_MAX_MB", 200, minimum=1)

LOGIN_URL = "admin:login"

# --- The TV ---------------------------------------------------------------
# One TV, set here, is kept in step with these on start; more are added in the admin.
TV_NAME = config.text("TV_NAME", "Frame")
TV_HOST = config.text("TV_HOST")
TV_PORT = config.number("TV_PORT", 8002, minimum=1, integer=True)
TV_TOKEN_FILE = config.path("TV_TOKEN_FILE", DOCENT_DATA_DIR / "tv-token")
TV_MATTE = config.text("TV_MATTE", "none")
TV_TIMEOUT = config.number("TV_TIMEOUT", 10, minimum=1)
TV_UPLOAD_TIMEOUT = config.number("TV_UPLOAD_TIMEOUT", 120, minimum=5)
JPEG_QUALITY = config.number("JPEG_QUALITY", 85, minimum=1, integer=True)
IMAGE_MEMORY_LIMIT_MB = config.number("IMAGE_MEMORY_LIMIT_MB", 1024, minimum=64, integer=True)
# How a picture meets the 16:9 panel when nobody chose (README "Fitting the Frame"):
# fill crops to 16:9 around what matters, fit shows it whole on a matte colour, as_is
# shrinks it to fit. A portrait picture is fitted rather than filled unless chosen so.
FRAMING_DEFAULT = config.choice("FRAMING_DEFAULT", "fill", ("fill", "fit", "as_is"))
# Per source, over FRAMING_DEFAULT: "upload=as_is,plex=fill".
FRAMING_BY_SOURCE = config.mapping("FRAMING_BY_SOURCE", choices=("fill", "fit", "as_is"))
# The colour around a fitted picture when its TV's matte has none Docent knows.
FRAMING_FIT_COLOUR = config.colour("FRAMING_FIT_COLOUR", "#f4f4f1")
if JPEG_QUALITY > 95:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"JPEG_QUALITY must be at most 95, not {JPEG_QUALITY}.")

# --- Vision analysis ------------------------------------------------------
AI_PROVIDER = config.choice("AI_PROVIDER", "none", ("anthropic", "openai", "none"))
AUTO_ANALYZE = config.flag("AUTO_ANALYZE", True)
ANTHROPIC_API_KEY = config.text("ANTHROPIC_API_KEY")
ANTHROPIC_MODEL = config.text("ANTHROPIC_MODEL", "claude-sonnet-5-5")
OPENAI_API_KEY = config.text("OPENAI_API_KEY")
OPENAI_MODEL = config.text("OPENAI_MODEL", "gpt-4.1-mini")
AI_TIMEOUT = config.number("AI_TIMEOUT", 60, minimum=1)

# --- Sources -----------------------------------------------------------------
# Each source app in this repository reads its own settings, with the readers of
# docentsite.config, in its docent_settings.py: a new source touches nothing here
# but INSTALLED_APPS (docs/sources.md).
for _app in INSTALLED_APPS:
    if (BASE_DIR / _app.replace(".", "/") / "docent_settings.py").is_file():
        _read = importlib.import_module(f"{_app}.docent_settings")
        globals().update({name: value for name, value in vars(_read).items() if name.isupper()})

# --- Files and the API ----------------------------------------------------
ARTWORK_META_PATH = config.path("ARTWORK_META_PATH", DOCENT_DATA_DIR / "artwork_meta.json")
DOCENT_API_TOKEN = config.text("DOCENT_API_TOKEN")

# --- Background tasks -----------------------------------------------------
CELERY_BROKER_URL = config.text("CELERY_BROKER_URL")
if not CELERY_BROKER_URL:
    # The embedded default: a queue in plain files under the data dir, which
    # the worker started by `manage.py serve` consumes. Nothing to install.
    _queue = DOCENT_DATA_DIR / "queue"
    for _folder in ("out", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "out"),
        "data_folder_out": str(_queue / "out"),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
        # Where worker pings and other broadcasts live; kombu's default is the
        # current directory.
        "control_folder": str(_queue / "control"),
        # kombu reads the folder once a second by default, and every hop of a
        # picture's work (fetch, prepare, upload, analyze) waited for it.
        "polling_interval": 0.05,
    }
# Transient faults (TV off, a source restarting) retry after TASK_RETRY_DELAY
# seconds, doubling each time up to 15 minutes, TASK_MAX_RETRIES times.
TASK_RETRY_DELAY = config.number("TASK_RETRY_DELAY", 30, minimum=0)
TASK_MAX_RETRIES = config.number("TASK_MAX_RETRIES", 12, minimum=0, integer=True)
# Three kinds of work, three queues, so that none waits behind another: "prepare"
# (CPU-bound, as many at once as cores), "tv" (each TV's serial upload lane) and
# the default "celery" (downloads, vision calls, sweeps: network-bound).
CELERY_TASK_ROUTES = {"artwork.prepare": {"queue": "prepare"}, "artwork.tv_lane": {"queue": "tv"}}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = config.flag("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Stalled work is taken over on a timer (Celery beat, every STALL_SWEEP_INTERVAL
# seconds): a step whose heartbeat stopped STALL_AFTER seconds ago lost its
# worker; work queued but not started for STALL_QUEUED_AFTER seconds lost its message.
STALL_SWEEP_INTERVAL = config.number("STALL_SWEEP_INTERVAL", 60, minimum=1)
STALL_AFTER = config.number("STALL_AFTER", 120, minimum=2)
STALL_QUEUED_AFTER = config.number("STALL_QUEUED_AFTER", 1800, minimum=2)
# The status page's checks (database, worker, TVs, sources) run in a worker every
# STATUS_CHECK_INTERVAL seconds; the page shows each result and its age.
STATUS_CHECK_INTERVAL = config.number("STATUS_CHECK_INTERVAL", 60, minimum=5)
# A TV that does not answer (off) is checked less and less often: the interval
# doubles from STATUS_CHECK_INTERVAL up to TV_OFF_CHECK_MAX seconds (docentsite/artwork/tvoff.py).
TV_OFF_CHECK_MAX = config.number("TV_OFF_CHECK_MAX", 600, minimum=5)
# Rotations whose time has come run at the timer's next tick, every ROTATION_TICK
# seconds: a daily rotation at 08:00 runs by 08:05 with the default.
ROTATION_TICK = config.number("ROTATION_TICK", 300, minimum=1)
CELERY_BEAT_SCHEDULE_FILENAME = str(DOCENT_DATA_DIR / "celerybeat-schedule")

# --- Logging --------------------------------------------------------------
LOG_LEVEL = config.choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
# Celery's own line for every task received and finished, and its start-up chatter.
LOG_TASKS = config.flag("LOG_TASKS", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "docentsite.logformat.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # urllib3 logs full request URLs at DEBUG; keep them out of the log.
        "urllib3": {"level": "WARNING"},
        "websocket": {"level": "WARNING"},
        # samsungtvws logs the TV's pairing token at INFO ("New token …").
        "samsungtvws": {"level": "WARNING"},
        # django-axes announces itself at INFO in every process and command.
        "axes": {"level": "WARNING"},
        # libvips says at INFO which loader it picked and how it shrinks each picture.
        "pyvips": {"level": "WARNING"},
        **{name: {"level": LOG_LEVEL if LOG_TASKS else "WARNING"}
           for name in ("celery.app.trace", "celery.worker", "celery.apps.worker",
                        "celery.beat")},
    },
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

# --- Behind a TLS proxy (Caddy, nginx) --------------------------------------
# The proxy speaks HTTPS to browsers and plain HTTP to Docent, saying so in
# X-Forwarded-Proto; only the proxy may reach Docent's port then.
TLS_PROXY = config.flag("TLS_PROXY", False)
if TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = config.number(
    "HSTS_SECONDS", 365 * 24 * 3600 if TLS_PROXY else 0, integer=True
)
# Subdomains of Docent's own host name, not its siblings.
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# HSTS preloading is asked for at hstspreload.org, for a whole registered domain,
# which Docent's host name is not.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Last: the names every setting above asked for are the ones .env may use.
config.warn_unknown(_env_file)
