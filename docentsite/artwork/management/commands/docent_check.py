from django.core.management.base import BaseCommand

from docentsite import health
from docentsite.health import Level

PAIR_HINT = (
    "     Next: press Pair with TV on the status page (/admin/docent/) or run "
    "`./docent manage pair_tv`, then press Allow on the TV. The first upload asks too."
)


class Command(BaseCommand):
    help = (
        "Tell whether the database, the task queue and its worker, the TV, the vision "
        "model and each source are configured and reachable. Exits 1 when something needed "
        "is not; pairing with the TV is a next step, not a failure. "
        "Example: python manage.py docent_check"
    )

    def handle(self, *args, **options):
        marks = {
            Level.OK: self.style.SUCCESS("ok  "),
            Level.OFF: "off ",
            Level.STEP: self.style.NOTICE("next"),
            Level.WARNING: self.style.WARNING("warn"),
            Level.PROBLEM: self.style.ERROR("FAIL"),
        }
        problems = 0
        for check in health.check_all():
            problems += check.level is Level.PROBLEM
            self.stdout.write(f"{marks[check.level]} {check.name}: {check.detail}")
            if check.action == "pair":
                self.stdout.write(PAIR_HINT)
        if problems:
            self.stderr.write(f"{problems} problem(s) need attention.")
            raise SystemExit(1)
