import argparse

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from docentsite.artwork import placements, tvs
from docentsite.artwork.errors import DocentError
from docentsite.sources import inline
from docentsite.sources.models import ImportStatus
from drivesource import importing


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the description's lines, so its examples stay whole."""


def usage_error(message: str) -> CommandError:
    return CommandError(f"{message} See --help.", returncode=2)


class Command(BaseCommand):
    help = """Import pictures from the shared Google Drive folder (DRIVE_FOLDER_URL) to the TV.

With no option, every picture of the shared folder not imported yet, as the original
Docent's "sync" does (--subfolders: the folders below it too; --folder: one of them).
--ids names pictures by their Drive file ids. Anything but pictures is never imported.
A picture already on the TV or on its way is skipped with the reason (--force with
--ids imports it again); a failed one is tried again from the step that failed. With
no worker running (a cron job, a first try) the command does the work itself.

Exits 0 when nothing failed, 1 when something did, 2 for a usage error.

Examples:
  python manage.py import_drive --dry-run
  python manage.py import_drive --folder Travel/Mexico --subfolders --collection Travel
  python manage.py import_drive --ids 1AbC...,1DeF... --no-analyze --wait
  python manage.py import_drive --tv "Living room" --tv Bedroom
"""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--folder", metavar="PATH|LINK",
            help="A folder of the shared one: its names from the top (any case), e.g. "
                 "--folder Travel/Mexico, or its link. Default: the shared folder.")
        parser.add_argument(
            "--subfolders", action="store_true",
            help="The pictures of every folder below it too.")
        parser.add_argument(
            "--ids", metavar="ID,ID,...",
            help="The pictures' Drive file ids, e.g. --ids 1AbC...,1DeF.... Used alone.")
        parser.add_argument(
            "--tv", action="append", dest="tvs", metavar="NAME",
            help="A TV to put the pictures on, by name or id; repeat it for several. "
                 "Default: the TV of TV_HOST in .env.")
        parser.add_argument(
            "--collection", metavar="NAME",
            help="Put the pictures in this collection, made if there is none by that name; "
                 "pictures imported before join it too.")
        parser.add_argument(
            "--analyze", action=argparse.BooleanOptionalAction, default=None,
            help="Describe each picture with the vision model, or not (--no-analyze). "
                 "Default: the AUTO_ANALYZE setting.")
        parser.add_argument(
            "--force", action="store_true",
            help="With --ids: import pictures that are already on the TV again.")
        parser.add_argument(
            "--dry-run", action="store_true",
            help="List what would be imported and what would be skipped, and why; "
                 "queue nothing.")
        parser.add_argument(
            "--wait", action="store_true",
            help="When a worker is running, follow its progress until every import has "
                 "ended. With no worker, the command does the work and always waits.")
        parser.add_argument(
            "--timeout", type=float, metavar="MINUTES",
            help="With --wait: stop following after this many minutes and exit 1 if "
                 "imports are still under way (they go on in the worker).")

    def handle(self, *args, **options):
        ids, folder = options["ids"], options["folder"]
        if ids is not None and (folder is not None or options["subfolders"]):
            raise usage_error("--ids names the pictures itself: leave out --folder and "
                              "--subfolders.")
        if options["force"] and ids is None:
            raise usage_error("--force goes with --ids: a folder imports what is not "
                              "imported yet.")
        if options["dry_run"] and options["wait"]:
            raise usage_error("--dry-run queues nothing to --wait for.")
        timeout = options["timeout"]
        if timeout is not None and (not options["wait"] or timeout <= 0):
            raise usage_error("--timeout goes with --wait and takes minutes, more than 0.")
        try:
            chosen = tvs.tvs_chosen(options["tvs"]) if options["tvs"] else []
            self.to = f" to {', '.join(tv.name for tv in chosen)}" if chosen else ""
            inline_run = not options["dry_run"] and not inline.workers_running()
            result = self.request(options, chosen)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        if options["dry_run"]:
            return self.dry_run(result)
        if result.collection:
            self.stdout.write(f"Put {result.added_to_collection} in the collection "
                              f"“{result.collection}” (the others were in it).")
        records = importing.drive_import_records(drive_file_ids=result.queued)
        if inline_run:
            if records:
                self.stdout.write(f"No worker is running: importing {len(records)} "
                                  f"picture(s){self.to} in this process.")
            ended = (importing.drive_import_run_inline(record_id=r.pk) for r in records)
        elif options["wait"]:
            self.stdout.write(f"A worker is importing {len(records)} picture(s){self.to}; "
                              "following it.")
            ended = importing.drive_import_follow(
                record_ids=[r.pk for r in records],
                timeout=None if timeout is None else timeout * 60)
        else:
            if result.queued:
                self.stdout.write("A worker is importing them; follow them in the admin, or "
                                  "run the command with --wait.")
            self.summary(f"Queued {len(result.queued)}{self.to}", result, [])
            if result.errors:
                raise SystemExit(1)
            return
        done, failed = [], []
        for record in ended:
            (done if record.status == ImportStatus.DONE else failed).append(record)
            self.stdout.write(self.line(record))
        self.summary(f"Imported {len(done)}{self.to}", result, failed)
        under_way = len(records) - len(done) - len(failed)
        if under_way:
            self.stdout.write(f"Stopped following after {timeout:g} min: {under_way} import(s) "
                              "still under way in the worker.")
        if failed or result.errors or under_way:
            raise SystemExit(1)

    def request(self, options, chosen):
        common = {"tvs_wanted": chosen}
        if options["ids"] is not None:
            ids = [i.strip() for i in options["ids"].split(",") if i.strip()]
            if not ids:
                raise usage_error("--ids takes Drive file ids separated by commas.")
            if options["dry_run"]:
                return importing.drive_import_plan(drive_file_ids=ids, force=options["force"],
                                                   **common)
            return importing.drive_import_request(
                drive_file_ids=ids, analyze=options["analyze"], force=options["force"],
                collection=options["collection"], **common)
        folder_id = (importing.drive_folder_find(text=options["folder"])
                     if options["folder"] is not None else None)
        return importing.drive_folder_import(
            folder_id=folder_id, subfolders=options["subfolders"], analyze=options["analyze"],
            collection=options["collection"], dry_run=options["dry_run"], **common)

    def dry_run(self, plan) -> None:
        if plan.queued:
            self.stdout.write(f"Would import {len(plan.queued)}{self.to}:")
            for file_id in plan.queued:
                self.stdout.write(f"  {file_id}")
        self.listing(plan.skipped, plan.errors, headings=("Would skip", "Would fail"))
        self.stdout.write(f"Dry run, nothing queued: would import {len(plan.queued)}, "
                          f"skip {len(plan.skipped)}, fail {len(plan.errors)}")
        if plan.errors:
            raise SystemExit(1)

    @staticmethod
    def line(record) -> str:
        name = record.title or record.ref
        if record.status == ImportStatus.DONE:
            return f"{placements.shown_as(record.artwork)}  {name}  done"
        return f"{record.ref}  {name}  failed: {record.last_error}"

    def summary(self, first: str, result, failed: list) -> None:
        self.stdout.write(f"{first}, skipped {len(result.skipped)}, "
                          f"failed {len(failed) + len(result.errors)}")
        errors = [{"drive_file_id": r.ref, "error": r.last_error} for r in failed]
        self.listing(result.skipped, errors + result.errors)

    def listing(self, skipped: list[dict], errors: list[dict], *,
                headings=("Skipped", "Failed")) -> None:
        for heading, entries, key in ((headings[0], skipped, "reason"),
                                      (headings[1], errors, "error")):
            if entries:
                self.stdout.write(f"{heading}:")
            for entry in entries:
                self.stdout.write(f"  {entry['drive_file_id']}: {entry[key]}")
