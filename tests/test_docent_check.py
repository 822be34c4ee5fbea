import pytest
from django.core.management import call_command
from django.db import connection

from tests.workers import celery_worker, empty_embedded_queue

pytestmark = pytest.mark.django_db(transaction=True)


def run_check(capsys) -> tuple[int, str]:
    try:
        call_command("docent_check")
        code = 0
    except SystemExit as exit:
        code = exit.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_an_unconfigured_tv_and_no_worker_are_problems(capsys, settings):
    settings.TV_HOST = ""
    empty_embedded_queue()

    code, output = run_check(capsys)

    assert code == 1
    assert f"ok   Database: {connection.vendor}, up to date" in output
    assert "FAIL Frame TV: not configured: set TV_HOST in .env" in output
    assert "no worker answered" in output
    assert "off  Vision model: turned off (AI_PROVIDER=none)" in output


@pytest.mark.timeout(90)
def test_everything_reachable_passes(capsys, settings, fake_tv, frame_tv, tmp_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    empty_embedded_queue()

    with celery_worker({}, log_dir=tmp_path):
        code, output = run_check(capsys)

    assert code == 0, output
    assert "a worker is running" in output
    assert ("ok   Frame TV: Samsung The Frame 55 (QE55LS03BAUXXU), Art Mode supported "
            "(showing art now), Art API 4.3.4.0") in output
    assert "0 personal photo(s)" in output


@pytest.mark.timeout(90)
def test_a_tv_not_paired_yet_is_the_next_step_not_a_failure(capsys, settings, fake_tv,
                                                             tmp_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "tv-token"  # a fresh install: no token yet
    empty_embedded_queue()

    with celery_worker({}, log_dir=tmp_path):
        code, output = run_check(capsys)

    assert code == 0, output
    assert ("next Frame TV: Samsung The Frame 55 answers; Docent is not paired with the TV "
            "yet") in output
    assert "press Pair with TV on the status page" in output
    assert "FAIL" not in output and "problem(s)" not in output
    assert fake_tv.connections == []  # checking showed no prompt on the TV


def test_a_tv_that_is_off_is_reported(capsys, settings, fake_tv, frame_tv):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    fake_tv.stop()

    code, output = run_check(capsys)

    assert code == 1
    assert f"FAIL Frame TV: {fake_tv.host}:" in output


def test_plex_is_optional_but_its_problems_are_shown(capsys, settings, fake_plex, plex_settings):
    settings.TV_HOST = ""
    code, output = run_check(capsys)
    assert f'ok   Plex: "{fake_plex.name}" version {fake_plex.version}, 1 photo library' in output

    fake_plex.revoke_token()
    code, output = run_check(capsys)
    assert "warn Plex: " in output and "PLEX_TOKEN" in output

    settings.PLEX_URL = ""
    code, output = run_check(capsys)
    assert "off  Plex: not set up (set PLEX_URL and PLEX_TOKEN to use it)" in output


@pytest.mark.parametrize(("plex_url", "expected"), [
    ("{url}/web/index.html#!/", 'ok   Plex: "Fake Plex" version'),
    ("{url}/web/index.html#!/", "PLEX_URL is the address of Plex Web in a browser; Docent uses "
                                "the server at {url} (set PLEX_URL to that)"),
    ("{https}", "does not speak HTTPS on that port: use PLEX_URL={url}"),
    ("https://app.plex.tv/desktop/#!/", "app.plex.tv is Plex's web site, not your server"),
])
def test_a_plex_url_pasted_from_the_browser_is_understood_or_explained(
    capsys, settings, fake_plex, plex_settings, plex_url, expected
):
    settings.TV_HOST = ""
    url = fake_plex.url
    settings.PLEX_URL = plex_url.format(url=url, https=url.replace("http://", "https://"))

    code, output = run_check(capsys)

    assert expected.format(url=url) in output


def test_a_plex_requiring_secure_connections_is_explained(capsys, settings, fake_plex,
                                                         plex_settings):
    settings.TV_HOST = ""
    fake_plex.secure_required = True

    code, output = run_check(capsys)

    assert "Secure connections is Required" in output
    assert fake_plex.url.replace("http://", "https://") in output


@pytest.mark.timeout(90)
def test_a_line_per_tv_when_there_are_several(capsys, settings, fake_tv, frame_tv, tmp_path):
    from docentsite.artwork import tvs
    from tests.fakes.frametv import FakeFrameTV

    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.TV_NAME = "Living room"
    settings.DOCENT_DATA_DIR = tmp_path
    with FakeFrameTV() as den, FakeFrameTV() as hall:
        tvs.tv_from_env()
        tvs.tv_create(name="Den", host=den.host, port=den.port)
        tvs.tv_create(name="Hall", host=hall.host, port=hall.port)
        hall.stop()

        code, output = run_check(capsys)

    assert "ok   Living room (Frame TV): Samsung The Frame 55 (QE55LS03BAUXXU)" in output
    assert ("next Den (Frame TV): Samsung The Frame 55 answers; Docent is not paired with the "
            "TV yet") in output
    assert f"FAIL Hall (Frame TV): {hall.host}:" in output
    assert "Frame TV:" not in output  # no line for a TV without its name
    assert output.count("press Pair with TV on the status page") == 1
