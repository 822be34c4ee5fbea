"""Settings for the test suite: the real settings, in a throwaway data dir.

Set before docentsite.settings is imported, so a developer's .env or data
never leak into a test run; worker processes started by tests inherit them.
"""

import atexit
import os
import shutil
import tempfile

os.environ["DOCENT_ENV_FILE"] = os.devnull
if "DOCENT_TEST_DATA_DIR" not in os.environ:
    # The test run itself; the processes it starts inherit these variables and
    # are given the DATABASE_URL of the test database.
    os.environ["DOCENT_TEST_DATA_DIR"] = tempfile.mkdtemp(prefix="docent-test-")
    atexit.register(shutil.rmtree, os.environ["DOCENT_TEST_DATA_DIR"], ignore_errors=True)
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("DOCENT_TEST_DB") == "postgres":
        from tests.servers import start_postgres

        os.environ["DATABASE_URL"] = start_postgres()
    elif os.environ.get("DOCENT_TEST_DB", "sqlite") != "sqlite":
        raise SystemExit("DOCENT_TEST_DB is sqlite (the default) or postgres")
# Under pytest-xdist each worker (and the processes it starts, which inherit
# PYTEST_XDIST_WORKER) keeps its pictures, queue, tokens and SQLite file apart
# from the other workers'; the run's folder, made once, holds them all.
os.environ["DOCENT_DATA_DIR"] = os.path.join(
    os.environ["DOCENT_TEST_DATA_DIR"], os.environ.get("PYTEST_XDIST_WORKER", "")
)
os.environ["TASK_RETRY_DELAY"] = "0.2"
# The tests written before framing expect today's sizes; the framing tests choose.
os.environ.setdefault("FRAMING_DEFAULT", "as_is")

from docentsite.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's in-memory default: worker processes started by the
    # tests must see the same database as the test itself.
    DATABASES["default"]["TEST"] = {"NAME": str(DOCENT_DATA_DIR / "test.sqlite3")}  # noqa: F405

# No collectstatic before tests: serve admin assets straight from the apps.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
