import logging

from django.conf import settings

SECRET_SETTINGS = ("PLEX_TOKEN", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DOCENT_API_TOKEN")


class RedactingFormatter(logging.Formatter):
    """Formats a record, then replaces every configured secret in the text.

    The modules that talk to outside systems never log secrets; this is the
    second line, for a library that prints a URL, a header or a traceback on
    its own. It works on the finished text so tracebacks are covered too.
    """

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for name in SECRET_SETTINGS:
            secret = getattr(settings, name, "")
            if secret:
                text = text.replace(secret, "[redacted]")
        return text
