import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from docentsite import config


@pytest.mark.parametrize("word,expected", [("true", True), ("Yes", True), ("0", False),
                                           ("off", False)])
def test_flag_reads_the_usual_words(monkeypatch, word, expected):
    monkeypatch.setenv("AUTO_ANALYZE", word)
    assert config.flag("AUTO_ANALYZE", not expected) is expected


def test_flag_refuses_a_typo_naming_the_setting(monkeypatch):
    monkeypatch.setenv("AUTO_ANALYZE", "maybe")
    expected = "AUTO_ANALYZE must be true or false, not 'maybe'"
    with pytest.raises(ImproperlyConfigured, match=expected):
        config.flag("AUTO_ANALYZE", True)


def test_empty_value_means_the_default(monkeypatch):
    monkeypatch.setenv("TV_PORT", "  ")
    assert config.number("TV_PORT", 8002, integer=True) == 8002


def test_number_refuses_words_and_too_small_values(monkeypatch):
    monkeypatch.setenv("TV_PORT", "eight")
    with pytest.raises(ImproperlyConfigured, match="TV_PORT must be a whole number"):
        config.number("TV_PORT", 8002, integer=True)
    monkeypatch.setenv("TV_UPLOAD_TIMEOUT", "1")
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        config.number("TV_UPLOAD_TIMEOUT", 120, minimum=5)


def test_choice_lists_what_is_allowed(monkeypatch):
    monkeypatch.setenv("AI_PROVIDER", "gemini")
    with pytest.raises(ImproperlyConfigured, match="anthropic, openai, none"):
        config.choice("AI_PROVIDER", "none", ("anthropic", "openai", "none"))


def test_a_mapping_reads_key_value_pairs_and_names_a_bad_one(monkeypatch):
    framings = ("fill", "fit", "as_is")
    monkeypatch.setenv("FRAMING_BY_SOURCE", "upload=as_is, plex = FILL")
    assert config.mapping("FRAMING_BY_SOURCE", choices=framings) == {
        "upload": "as_is", "plex": "fill"}
    monkeypatch.setenv("FRAMING_BY_SOURCE", "plex=stretch")
    with pytest.raises(ImproperlyConfigured, match="FRAMING_BY_SOURCE.*'plex=stretch'"):
        config.mapping("FRAMING_BY_SOURCE", choices=framings)


def test_a_colour_is_hex(monkeypatch):
    monkeypatch.setenv("FRAMING_FIT_COLOUR", "#1F2A48")
    assert config.colour("FRAMING_FIT_COLOUR", "#f4f4f1") == "#1f2a48"
    monkeypatch.setenv("FRAMING_FIT_COLOUR", "navy")
    with pytest.raises(ImproperlyConfigured, match="FRAMING_FIT_COLOUR must be a colour"):
        config.colour("FRAMING_FIT_COLOUR", "#f4f4f1")


def test_url_must_have_a_scheme(monkeypatch):
    monkeypatch.setenv("PLEX_URL", "192.168.1.10:32400")
    with pytest.raises(ImproperlyConfigured, match="PLEX_URL must be a URL"):
        config.url("PLEX_URL")
    monkeypatch.setenv("PLEX_URL", "http://192.168.1.10:32400/")
    assert config.url("PLEX_URL") == "http://192.168.1.10:32400"


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "plex-token"
    secret.write_text("from-a-file\n")
    monkeypatch.delenv("PLEX_TOKEN", raising=False)
    monkeypatch.setenv("PLEX_TOKEN_FILE", str(secret))
    assert config.text("PLEX_TOKEN") == "from-a-file"


def test_secret_key_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.secret_key(tmp_path)
    assert len(first) >= 50
    assert config.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_bad_database_url_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://x")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a database URL"):
        config.database("DATABASE_URL", "sqlite:///x")
    monkeypatch.setenv("DATABASE_URL", "postgres://docent@127.0.0.1:5432/docent")
    assert config.database("DATABASE_URL", "sqlite:///x")["ENGINE"].endswith("postgresql")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 30000


ROOT = Path(__file__).resolve().parents[1]
BAD_SETTINGS = [
    ("AUTO_ANALYZE=ture", "AUTO_ANALYZE must be true or false, not 'ture'."),
    ("TV_PORT=80O2", "TV_PORT must be a whole number, not '80O2'."),
    ("DATABASE_URL=postgress://docent@db/docent",
     "DATABASE_URL must be a database URL such as sqlite:///path, "
     "postgres://user@host:5432/name, mysql://…; 'postgress' is not one Django knows."),
    ("PLEX_TOKEN_FILE=/nonexistent/plex-token", "PLEX_TOKEN_FILE must name a file Docent "
     "can read, not '/nonexistent/plex-token' (No such file or directory)."),
]
# Each way Docent starts: a command (./docent runs these), the web site, the worker.
ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "check"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "docentsite.wsgi", "--preload",
                 "--bind", "127.0.0.1:0"],
    "celery": [sys.executable, "-m", "celery", "-A", "docentsite", "worker"],
}


def with_env_file(tmp_path, text: str) -> dict:
    env_file = tmp_path / ".env"
    env_file.write_text(text)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "docentsite.settings",
                   "DOCENT_ENV_FILE": str(env_file), "DOCENT_DATA_DIR": str(tmp_path / "data")}
    for name in ("DATABASE_URL", "AUTO_ANALYZE", "TV_PORT", "PLEX_TOKEN",
                 "DOCENT_ENV_FILE_CHECKED"):
        environment.pop(name, None)
    return environment


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@pytest.mark.parametrize("line,message", BAD_SETTINGS)
def test_a_bad_setting_is_one_line_and_exit_2(tmp_path, entry_point, line, message):
    result = subprocess.run(ENTRY_POINTS[entry_point], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env=with_env_file(tmp_path, line + "\n"))

    assert (result.returncode, result.stderr) == (2, f"Docent cannot start: {message}\n")


def test_an_unknown_name_in_env_is_warned_about_with_the_closest(tmp_path):
    (tmp_path / "plex-token").write_text("token")
    env = with_env_file(tmp_path, "TV_HSOT=192.168.1.20\nexport TV_PORT=8002\n"
                                  f"PLEX_TOKEN_FILE={tmp_path / 'plex-token'}\n")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 0
    assert result.stderr == (f"Warning: {tmp_path / '.env'} sets TV_HSOT, which Docent does "
                             "not read; did you mean TV_HOST?\n")
