"""Ready for a TLS proxy and a shared network: the deploy checks, private files, the
login throttle and the API docs behind the login."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

ROOT = Path(__file__).resolve().parent.parent
# The .env lines of the README's "Docent behind Caddy/nginx".
TLS_PROXY_ENV = {"TLS_PROXY": "true", "ALLOWED_HOSTS": "docent.example.com"}


def run_with_settings(tmp_path, code: str, **env) -> subprocess.CompletedProcess:
    """Python `code` in a fresh process with Docent's own settings and a new data dir."""
    full_env = {
        **{name: value for name, value in os.environ.items() if name not in (
            "DJANGO_SETTINGS_MODULE", "DOCENT_DATA_DIR", "DOCENT_TEST_DATA_DIR", "DATABASE_URL",
            "SECRET_KEY", "DEBUG", "TLS_PROXY", "HSTS_SECONDS")},
        "DJANGO_SETTINGS_MODULE": "docentsite.settings",
        "DOCENT_ENV_FILE": os.devnull,
        "DOCENT_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


CHECK_DEPLOY = ("import sys; from django.core.management import execute_from_command_line; "
                "execute_from_command_line(['manage.py', 'check', '--deploy', "
                "'--fail-level', 'WARNING'])")


def test_check_deploy_passes_behind_a_tls_proxy(tmp_path):
    done = run_with_settings(tmp_path, CHECK_DEPLOY, **TLS_PROXY_ENV)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_warns_without_the_proxy_settings(tmp_path):
    done = run_with_settings(tmp_path, CHECK_DEPLOY)

    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr


def test_the_data_dir_database_and_media_are_the_owners_alone(tmp_path):
    code = """
import django
django.setup()
from django.core.management import call_command
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
call_command("migrate", verbosity=0)
print(default_storage.save("originals/2026/picture.jpg", ContentFile(b"jpeg")))
"""
    done = run_with_settings(tmp_path, code)
    assert done.returncode == 0, done.stderr
    data = tmp_path / "data"

    def mode(path):
        return stat.S_IMODE(path.stat().st_mode)

    saved = data / "media" / done.stdout.strip()
    assert mode(data) == 0o700
    assert mode(data / "docent.sqlite3") == 0o600
    assert mode(saved) == 0o600 and mode(saved.parent) == 0o700
    assert mode(data / "secret_key") == 0o600


def test_an_existing_data_dir_is_made_private(tmp_path):
    (tmp_path / "data").mkdir(mode=0o755)
    (tmp_path / "data").chmod(0o755)
    (tmp_path / "data" / "docent.sqlite3").touch(mode=0o644)

    done = run_with_settings(tmp_path, "import django; django.setup()")

    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data" / "docent.sqlite3").stat().st_mode) == 0o600


def test_tls_proxy_trusts_the_proxy_header_and_makes_cookies_secure(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)")

    behind = run_with_settings(tmp_path, code, TLS_PROXY="true").stdout
    shorter = run_with_settings(tmp_path, code, TLS_PROXY="true", HSTS_SECONDS="3600").stdout
    plain = run_with_settings(tmp_path, code).stdout

    assert behind == "('HTTP_X_FORWARDED_PROTO', 'https') True True True 31536000\n"
    assert shorter.endswith("True True True 3600\n")
    assert plain == "None False False False 0\n"


@pytest.mark.django_db
def test_hsts_is_sent_on_https_with_subdomains(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    plain = client.get("/admin/login/")
    secure = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


LOGIN = "/admin/login/"


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_superuser("owner", password="right-password")


def log_in(client, password, **headers):
    return client.post(LOGIN, {"username": "owner", "password": password, "next": "/admin/"},
                       **headers)


def test_logins_are_throttled_after_five_wrong_passwords(client, owner):
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200  # the form again, with its error

    locked = log_in(client, "wrong")
    still = log_in(client, "right-password")

    assert locked.status_code == 429 and still.status_code == 429
    page = " ".join(still.content.decode().split())
    assert "Too many failed logins" in page
    assert "After 5 wrong passwords from your address, Docent pauses logins from it for " \
           "15 minutes." in page
    assert "./docent manage axes_reset" in page


def test_the_throttle_is_per_visitor_behind_the_proxy(client, owner, settings):
    settings.TLS_PROXY = True
    for _ in range(5):
        log_in(client, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert log_in(client, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # A forged first entry does not help; another visitor is let in.
    assert log_in(client, "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
                  ).status_code == 429
    assert log_in(client, "right-password", HTTP_X_FORWARDED_FOR="198.51.100.1"
                  ).status_code == 302


def test_a_right_password_still_logs_in(client, owner):
    log_in(client, "wrong")

    assert log_in(client, "right-password").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs", "/api/openapi.json"])
def test_the_api_docs_are_behind_the_login(client, url):
    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
