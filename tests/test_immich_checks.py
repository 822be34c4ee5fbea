"""Immich on the status page's checks and in `docent_check`."""

import pytest

from immichsource.checks import immich_check
from tests.test_docent_check import run_check

pytestmark = pytest.mark.django_db(transaction=True)


def test_immich_is_optional_but_its_problems_are_shown(capsys, settings, fake_immich,
                                                       immich_settings):
    settings.TV_HOST = ""
    code, output = run_check(capsys)
    assert f"ok   Immich: {fake_immich.url}, version 1.134.0, 2 albums" in output

    fake_immich.revoke_key()
    code, output = run_check(capsys)
    assert "warn Immich: " in output and "refused the API key (Invalid API key)" in output
    assert fake_immich.key not in output

    fake_immich.stop()
    assert "cannot be reached" in immich_check().detail

    settings.IMMICH_URL = "http://nas:port"
    assert immich_check().detail == "IMMICH_URL in .env: the port in 'nas:port' is not a number"

    settings.IMMICH_API_KEY = ""
    code, output = run_check(capsys)
    assert "off  Immich: not set up (set IMMICH_URL and IMMICH_API_KEY to use it)" in output


def test_a_key_without_album_read_is_told_which_permission(settings, fake_immich,
                                                           immich_settings):
    fake_immich.permissions = {"asset.read", "asset.view", "asset.download"}
    check = immich_check()
    assert check.level == "warning" and "album.read" in check.detail
    assert check.facts["connected"] is False
