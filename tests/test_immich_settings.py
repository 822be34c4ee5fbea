"""Immich's settings: read strictly from .env, the key from a file too, all documented."""

import subprocess
import sys
from pathlib import Path

from tests.test_config import ROOT, with_env_file

SETTINGS = ("IMMICH_URL", "IMMICH_API_KEY", "IMMICH_VERIFY_SSL", "IMMICH_TIMEOUT",
            "IMMICH_DOWNLOAD_TIMEOUT")


def settings_from(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    env = with_env_file(tmp_path, text)
    for name in SETTINGS:
        env.pop(name, None)
    code = ("from django.conf import settings as s; "
            "print(s.IMMICH_URL, s.IMMICH_API_KEY, s.IMMICH_VERIFY_SSL, s.IMMICH_TIMEOUT)")
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_key_can_come_from_a_file_and_the_url_loses_its_slash(tmp_path):
    (tmp_path / "immich-key").write_text("key-from-a-file\n")
    result = settings_from(tmp_path, "IMMICH_URL=http://nas:2283/\n"
                                     f"IMMICH_API_KEY_FILE={tmp_path / 'immich-key'}\n"
                                     "IMMICH_VERIFY_SSL=no\nIMMICH_TIMEOUT=30\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith("http://nas:2283 key-from-a-file False 30.0\n")


def test_a_bad_immich_setting_is_one_line_and_exit_2(tmp_path):
    result = settings_from(tmp_path, "IMMICH_URL=nas:2283\n")
    assert result.returncode == 2
    assert result.stderr.startswith("Docent cannot start: IMMICH_URL must be a URL")


def test_every_immich_setting_is_in_env_example():
    example = (ROOT / ".env.example").read_text()
    assert all(f"#{name}=" in example for name in SETTINGS)
    assert "IMMICH_API_KEY_FILE" in example
