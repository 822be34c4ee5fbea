from django.core.management.base import BaseCommand

from docentsite import health


class Command(BaseCommand):
    help = (
        "Tell whether the database, the task queue and its worker, the TV, the vision "
        "model and Plex are configured and reachable. Exits 1 when something needed "
        "is not. Example: python manage.py docent_check"
    )

    def handle(self, *args, **options):
        problems = 0
        for check in health.check_all():
            if check.ok:
                mark = self.style.SUCCESS("ok  ")
            elif check.required:
                mark = self.style.ERROR("FAIL")
                problems += 1
            else:
                mark = self.style.WARNING("warn")
            self.stdout.write(f"{mark} {check.name}: {check.detail}")
        if problems:
            self.stderr.write(f"{problems} problem(s) need attention.")
            raise SystemExit(1)
