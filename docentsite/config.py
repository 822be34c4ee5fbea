"""Strict readers for settings from the environment / .env.

django-environ casts leniently (any unknown word is a false boolean); a home
server that silently ignores a typo in .env is worse than one that refuses to
start, so every reader here names the setting and the bad value.
"""

import contextlib
import difflib
import os
import re
import secrets
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# FileAwareEnv also reads NAME_FILE, for secrets mounted as files (Docker).
env = environ.FileAwareEnv()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

#: Every setting a reader here was asked for: the names a .env may use.
_READ: set[str] = set()
#: Names read elsewhere: by ./docent, createsuperuser, the AI vendors' SDKs.
_READ_ELSEWHERE = {
    "DJANGO_SETTINGS_MODULE", "DOCENT_ENV_FILE", "DJANGO_SUPERUSER_USERNAME",
    "DJANGO_SUPERUSER_PASSWORD", "DJANGO_SUPERUSER_EMAIL", "PYTHON",
    "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL",
}
# The line django-environ's read_env reads as a setting.
_ENV_LINE = re.compile(r"\A(?:export )?([A-Za-z_0-9]+)=")
# Set once the .env was looked over, so that the processes serve starts do not repeat it.
_CHECKED = "DOCENT_ENV_FILE_CHECKED"


def _raw(name: str) -> str | None:
    _READ.add(name)
    try:
        value = env.str(name, default=None)
    except OSError as error:  # NAME_FILE names a file that is not there
        raise ImproperlyConfigured(
            f"{name}_FILE must name a file Docent can read, not {error.filename!r} "
            f"({error.strerror})."
        ) from None
    if value is None or value.strip() == "":
        return None
    return value.strip()


def text(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def flag(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def number(name: str, default: float, *, minimum: float = 0, integer: bool = False):
    value = _raw(name)
    if value is None:
        return default
    try:
        parsed = int(value) if integer else float(value)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ImproperlyConfigured(f"{name} must be {kind}, not {value!r}.") from None
    if parsed < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value!r}.")
    return parsed


def choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = text(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(choices)}, not {value!r}."
        )
    return value


def words(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def mapping(name: str, *, choices: tuple[str, ...]) -> dict[str, str]:
    """`key=value,key=value`, every value one of ``choices``."""
    out = {}
    for item in words(name, []):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key or value.lower() not in choices:
            raise ImproperlyConfigured(
                f"{name} must read like key={choices[0]},other={choices[-1]} (each one of "
                f"{', '.join(choices)}), not {item!r}.")
        out[key] = value.lower()
    return out


def colour(name: str, default: str) -> str:
    """A #rrggbb colour."""
    value = text(name, default).strip().lower()
    if len(value) != 7 or value[0] != "#" or any(c not in "0123456789abcdef" for c in value[1:]):
        raise ImproperlyConfigured(f"{name} must be a colour like #f4f4f1, not {value!r}.")
    return value


def path(name: str, default: Path) -> Path:
    value = _raw(name)
    return Path(value).expanduser().resolve() if value else default


def url(name: str, default: str = "") -> str:
    value = text(name, default)
    if value and "://" not in value:
        raise ImproperlyConfigured(
            f"{name} must be a URL such as http://192.168.1.10:32400, not {value!r}."
        )
    return value.rstrip("/")


def database(name: str, default: str) -> dict:
    value = text(name, default)
    scheme = value.partition("://")[0]
    if scheme not in environ.Env.DB_SCHEMES:
        known = "sqlite:///path, postgres://user@host:5432/name, mysql://…"
        raise ImproperlyConfigured(
            f"{name} must be a database URL such as {known}; {scheme!r} is not one Django knows."
        )
    return environ.Env.db_url_config(value)


def secret_key(data_dir: Path) -> str:
    """The SECRET_KEY setting, or one generated once and kept in the data dir."""
    value = _raw("SECRET_KEY")
    if value:
        return value
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        candidate = secrets.token_urlsafe(50)
        # O_EXCL: the web process and the worker may both start first.
        try:
            with open(key_file, "x", encoding="utf-8") as handle:
                handle.write(candidate)
            key_file.chmod(0o600)
        except FileExistsError:
            pass
    return key_file.read_text(encoding="utf-8").strip()


def private_dir(path: Path) -> None:
    """Create the directory for its owner alone (0700), or make it so."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(path, 0o700)


def private_file(path: Path) -> None:
    """Create the empty file for its owner alone (0600), or make it so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    _owner_only(path, 0o600)


def _owner_only(path: Path, mode: int) -> None:
    # A directory given to Docent by someone else (a mounted volume) stays as
    # they made it: tightening it is theirs to do.
    with contextlib.suppress(PermissionError):
        path.chmod(mode)


def warn_unknown(env_file: Path) -> None:
    """Warn, once, about a name in .env that no setting reads: a typo is otherwise silent."""
    if os.environ.get(_CHECKED) or not env_file.is_file():
        return
    os.environ[_CHECKED] = "1"
    known = _READ | _READ_ELSEWHERE
    for line in env_file.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _ENV_LINE.match(line.strip())
        name = match and match.group(1)
        if not name or name in known or name.removesuffix("_FILE") in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else "."
        print(f"Warning: {env_file} sets {name}, which Docent does not read{hint}",
              file=sys.stderr)


def load_settings_or_exit() -> None:
    """Load Django's settings now; one Docent cannot use ends the process with one line
    naming it (exit 2), not a traceback."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        print(f"Docent cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None
