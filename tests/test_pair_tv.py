import pytest
from django.core.management import CommandError, call_command

# The command pairs a TV row: the default one, which TV_HOST makes.
pytestmark = pytest.mark.django_db


def test_pair_tv_keeps_the_token(fake_tv, settings, tmp_path, capsys):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "tv-token"

    call_command("pair_tv", "--wait", "2")

    assert settings.TV_TOKEN_FILE.read_text() in fake_tv.tokens
    out = capsys.readouterr().out
    assert "press Allow on the TV now" in out and "Paired." in out


def test_pair_tv_denied_says_what_to_do(fake_tv, settings, tmp_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "tv-token"
    fake_tv.pairing = "deny"

    with pytest.raises(CommandError) as denied:
        call_command("pair_tv", "--wait", "2")

    assert "den" in str(denied.value).lower()
    assert not settings.TV_TOKEN_FILE.exists()
