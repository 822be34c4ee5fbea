from django.core.management.base import BaseCommand, CommandError

from docentsite.artwork import rotation, tvs
from docentsite.artwork.errors import DocentError
from docentsite.artwork.models import RotationOutcome


class Command(BaseCommand):
    help = (
        "Run TV rotations now (default: every TV whose rotation is on), or with --dry-run "
        "say what the next run would add and remove. Example: python manage.py rotate "
        "--tv 'Living room' --dry-run"
    )

    def add_arguments(self, parser):
        parser.add_argument("--tv", help="The TV's name or id (default: every TV whose "
                                         "rotation is on).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Change nothing and ask no TV: print the plan.")

    def handle(self, *args, tv, dry_run, **options):
        tvs.tv_from_env()
        try:
            chosen = rotation.tvs_with_rotation(name=tv)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        if not chosen:
            self.stdout.write("No TV has a rotation on: set one on the TVs page.")
            return
        failed = False
        for row in chosen:
            try:
                if dry_run:
                    self._plan(rotation.rotation_run(tv=row, dry_run=True))
                else:
                    failed |= self._run(row, rotation.rotation_run(tv=row, trigger="command"))
            except DocentError as exc:
                self.stderr.write(f"{row.name}: {exc}")
                failed = True
        if failed:
            raise CommandError("Not every rotation ran: see above.")

    def _plan(self, plan):
        self.stdout.write(f"{plan.tv.name}: {plan.summary}")
        for pick in plan.add:
            self.stdout.write(f"  + {pick.title} (#{pick.artwork_id}): {pick.why}")
        for pick in plan.remove:
            self.stdout.write(f"  - {pick.title} (#{pick.artwork_id}): {pick.why}")
        for note in plan.notes:
            self.stdout.write(f"  {note}")

    def _run(self, tv, run) -> bool:
        """Print the run; True when it did not do its work."""
        style = self.style.SUCCESS if run.outcome == RotationOutcome.DONE else self.style.WARNING
        self.stdout.write(style(f"{tv.name}: {run.why}"))
        for item in run.added:
            self.stdout.write(f"  + {item['title']} (#{item['artwork_id']})")
        for item in run.removed:
            self.stdout.write(f"  - {item['title']} (#{item['artwork_id']})")
        for item in run.failed:
            self.stdout.write(f"  ! {item['title']} (#{item['artwork_id']}): {item['why']}")
        return run.outcome != RotationOutcome.DONE
