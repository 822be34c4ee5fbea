import logging

from docentsite.logformat import RedactingFormatter


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
