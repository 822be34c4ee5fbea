import io
import logging

import pytest
from django.db import transaction

from docentsite.artwork import services
from docentsite.artwork.models import AnalysisStatus, Artwork
from docentsite.logformat import RedactingFormatter
from tests.users import staff_with
from tests.workers import celery_worker, needs_redis, wait_for


def test_secrets_are_redacted_from_messages_and_tracebacks(settings):
    settings.PLEX_TOKEN = "plex-secret-token"
    settings.ANTHROPIC_API_KEY = "sk-ant-secret"
    formatter = RedactingFormatter("%(message)s")
    try:
        raise RuntimeError("GET /library?X-Plex-Token=plex-secret-token failed")
    except RuntimeError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "key %s", ("sk-ant-secret",),
            exc_info=__import__("sys").exc_info(),
        )
    text = formatter.format(record)
    assert "plex-secret-token" not in text
    assert "sk-ant-secret" not in text
    assert text.startswith("key [redacted]\n")
    assert text.endswith("RuntimeError: GET /library?X-Plex-Token=[redacted] failed")


def test_pairing_with_the_tv_never_logs_its_token(fake_tv, make_frame_tv, caplog):
    caplog.set_level(logging.DEBUG, logger="docentsite")
    tv = make_frame_tv()

    token = tv.pair()
    tv.photos()

    assert token and token not in caplog.text


FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORGED = "2026-12-06 03:00:00,000 ERROR docentsite: the TV was stolen"


def log_lines(call) -> list[str]:
    """The lines a logger writes through the site's formatter while `call` runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(FORMAT))
    logger = logging.getLogger("docentsite.test")
    logger.addHandler(handler)
    try:
        call(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


def test_outside_text_with_a_line_break_stays_on_its_line():
    lines = log_lines(lambda logger: logger.warning("GET %s -> 404", f"/x\n{FORGED}\r\u2028"))

    assert len(lines) == 1
    assert lines[0].endswith(f"GET /x\\n{FORGED}\\r\\u2028 -> 404")


def test_a_traceback_cannot_start_a_line_of_its_own():
    def fail(logger):
        try:
            raise RuntimeError(f"the server said: nope\n{FORGED}")
        except RuntimeError:
            logger.exception("Plex failed")

    first, *rest = log_lines(fail)

    assert first.endswith("Plex failed")
    assert rest and all(line.startswith("  ") for line in rest)
    assert f"  {FORGED}" in rest


@pytest.mark.django_db
def test_the_api_logs_a_request_path_as_a_quoted_string(client, plex_settings, fake_plex, caplog):
    client.force_login(staff_with("plexsource.view_plexlibrary"))
    fake_plex.stop()

    assert client.get("/api/plex/libraries?odd=%0Aforged").status_code == 503

    (record,) = [r for r in caplog.records if r.name == "docentsite.api"]
    assert "GET '/api/plex/libraries' -> 503: '" in record.getMessage()


@needs_redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_worker_logs_through_the_redacting_formatter(
    fake_anthropic, worker_env, redis_broker, make_artwork, jpeg, tmp_path, settings
):
    secret = "plex-secret-in-a-reply"
    # Outside text that carries a secret: a model's reply quoting it.
    fake_anthropic.description = {"note": f"your token is {secret}"}
    env = {**worker_env, "AI_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "test-key",
           "ANTHROPIC_BASE_URL": fake_anthropic.url, "CELERY_BROKER_URL": redis_broker,
           "PLEX_TOKEN": secret}
    artwork = make_artwork(jpeg)

    with celery_worker(env, log_dir=tmp_path) as worker:
        with transaction.atomic():
            services.artwork_reanalyze(artworks=Artwork.objects.filter(pk=artwork.pk))
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).analysis_status
                 == AnalysisStatus.FAILED, what="the failed analysis")
        wait_for(lambda: b"Analysis of artwork" in worker.log.read_bytes(), what="its log line")

    log = worker.log.read_text()
    assert secret not in log
    line = next(line for line in log.splitlines() if "Analysis of artwork" in line)
    assert " WARNING docentsite.artwork.services: Analysis of artwork" in line
    assert "your token is [redacted]" in line
