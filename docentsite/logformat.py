import logging

from django.conf import settings

#: The core's secrets; each source adds its own (Source.secrets).
SECRET_SETTINGS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DOCENT_API_TOKEN")

# Line breaks and other control characters in a message, shown as escapes.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(32), 127, 0x85)} | {
    ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
    0x2028: "\\u2028", 0x2029: "\\u2029",
}


def secret_settings() -> tuple[str, ...]:
    """The settings whose values never reach a log line: the core's and every source's."""
    from django.apps import apps

    if not apps.ready:  # logging is set up before the apps: only the core's are known
        return SECRET_SETTINGS
    from docentsite.sources.registry import secret_settings as sources_secrets

    return (*SECRET_SETTINGS, *sources_secrets())


class RedactingFormatter(logging.Formatter):
    """Formats a record, then replaces every configured secret in the text.

    The modules that talk to outside systems never log secrets; this is the
    second line, for a library that prints a URL, a header or a traceback on
    its own. It works on the finished text so tracebacks are covered too.

    A record's first line is the whole message, and the lines of a traceback
    after it are indented: text from outside (a request path, a server's
    error) can never start a line that looks like a record of its own.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).translate(_ESCAPES)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\n", "\n  ")
        for name in secret_settings():
            secret = getattr(settings, name, "")
            if secret:
                text = text.replace(secret, "[redacted]")
        return text
