import hashlib
import os
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from docentsite.artwork.tvs import tv_from_env


class Command(BaseCommand):
    help = (
        "Make Docent ready to serve, in one process: apply new migrations, collect static "
        "files when they changed, and create the admin account if there is none. "
        "`./docent` runs it before `serve`."
    )
    # `serve` checks the project right after; once is enough.
    requires_system_checks = []

    def handle(self, *args, verbosity=1, **options):
        self.migrate(verbosity)
        # The TV of TV_HOST in .env, created or brought in step with it.
        tv_from_env()
        self.collect_static(verbosity)
        self.ensure_admin(verbosity)

    def migrate(self, verbosity):
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            if verbosity:
                self.stdout.write(f"Updating the database ({len(plan)} migrations)")
            call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1),
                         skip_checks=True)

    def collect_static(self, verbosity):
        # collectstatic compresses and hashes every file (seconds); the stamp says
        # whether the files it would collect are the ones collected last time.
        stamp = settings.STATIC_ROOT / ".collected"
        current = static_fingerprint()
        if stamp.is_file() and stamp.read_text() == current:
            return
        call_command("collectstatic", interactive=False, verbosity=max(0, verbosity - 1))
        stamp.write_text(current)

    def ensure_admin(self, verbosity):
        if get_user_model().objects.filter(is_superuser=True).exists():
            return
        if os.environ.get("DJANGO_SUPERUSER_USERNAME") and os.environ.get(
            "DJANGO_SUPERUSER_PASSWORD"
        ):
            call_command("createsuperuser", interactive=False, verbosity=verbosity,
                         email=os.environ.get("DJANGO_SUPERUSER_EMAIL", "admin@localhost"))
        elif sys.stdin.isatty():
            self.stdout.write("Create the account you will log in with:")
            call_command("createsuperuser")
        else:
            self.stderr.write("No admin user yet: run ./docent manage createsuperuser")


def static_fingerprint() -> str:
    """Every static file's path, size and time, as one digest."""
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            digest.update(f"{storage.path(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
