"""Running a management command in the test's process, as a shell would see it."""

import io

from django.core.management import call_command
from django.core.management.base import CommandError


def run_command(name: str, *args, stdout=None) -> tuple[int, str]:
    """The command's exit code and what it printed (a CommandError's message too)."""
    out = stdout or io.StringIO()
    try:
        call_command(name, *args, stdout=out)
        code = 0
    except SystemExit as exit:
        code = exit.code
    except CommandError as error:
        code = error.returncode
        out.write(f"CommandError: {error}\n")
    return code, out.getvalue()
