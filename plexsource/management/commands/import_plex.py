import argparse

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from docentsite.artwork import placements, tvs
from docentsite.artwork.errors import DocentError
from plexsource import services
from plexsource.models import ImportRecord, ImportStatus, PlexLibrary

BAR_WIDTH = 30


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the description's lines, so its examples stay whole."""


def usage_error(message: str) -> CommandError:
    return CommandError(f"{message} See --help.", returncode=2)


class Command(BaseCommand):
    help = """Import photos from a Plex photo library to the TV, or to the TVs named.

Pick the photos with --ids, or with --library and --all or --limit, inside an
--album if you like. Video clips are never imported. A photo already on the TV
or on its way is skipped with the reason (--force imports it again); a failed
one is tried again from the step that failed. A photo imported before is sent
to another TV (--tv) without being imported again. With no worker running (a
cron job, a first try) the command does the work itself.

Exits 0 when nothing failed, 1 when something did, 2 for a usage error.

Examples:
  python manage.py import_plex --library Photos --limit 10
  python manage.py import_plex --library Photos --album Travel/2019/Mexico --all --dry-run
  python manage.py import_plex --ids 1234,1235 --no-analyze --wait
  python manage.py import_plex --library Photos --all --tv "Living room" --tv Bedroom
  python manage.py import_plex --library Photos --album Travel/2019 --all --collection Travel
"""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--library", metavar="NAME|ID",
            help="The Plex photo library, by title or id, e.g. --library Photos.")
        parser.add_argument(
            "--album", metavar="PATH",
            help="An album of the library, by its titles from the top (any case), e.g. "
                 "--album Travel/2019/Mexico. Its nested albums count too.")
        parser.add_argument(
            "--ids", metavar="ID,ID,...",
            help="The photos' Plex ratingKeys, e.g. --ids 1234,1235. Used alone.")
        parser.add_argument(
            "--all", action="store_true",
            help="Every photo of the library or album, nested albums included, e.g. "
                 "--library Photos --all.")
        parser.add_argument(
            "--limit", type=int, metavar="N",
            help="At most N photos, the first ones in Plex's order, e.g. "
                 "--library Photos --limit 10.")
        parser.add_argument(
            "--tv", action="append", dest="tvs", metavar="NAME",
            help="A TV to put the photos on, by name or id; repeat it for several, e.g. "
                 "--tv 'Living room' --tv Bedroom. Default: the TV of TV_HOST in .env.")
        parser.add_argument(
            "--collection", metavar="NAME",
            help="Put the photos in this collection, made if there is none by that name; "
                 "photos imported before join it too, e.g. --collection Travel.")
        parser.add_argument(
            "--analyze", action=argparse.BooleanOptionalAction, default=None,
            help="Describe each picture with the vision model, or not (--no-analyze). "
                 "Default: the AUTO_ANALYZE setting.")
        parser.add_argument(
            "--force", action="store_true",
            help="Import photos that are already on the TV again, as new pictures, e.g. "
                 "--ids 1234 --force.")
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
                 "imports are still under way (they go on in the worker). A TV that is "
                 "off is retried for hours, so scripts should set one.")

    def handle(self, *args, **options):
        if options["dry_run"] and options["wait"]:
            raise usage_error("--dry-run queues nothing to --wait for.")
        timeout = options["timeout"]
        if timeout is not None and (not options["wait"] or timeout <= 0):
            raise usage_error("--timeout goes with --wait and takes minutes, more than 0, "
                              "e.g. --wait --timeout 30.")
        chosen = self.tvs_named(options["tvs"])
        self.to = f" to {', '.join(tv.name for tv in chosen)}" if chosen else ""
        ids, library, listed = self.photo_ids(options)
        if options["dry_run"]:
            return self.dry_run(ids, listed, force=options["force"], chosen=chosen)
        if listed:
            services.plex_photos_remember(library=library, photos=listed)
        inline = not services.plex_workers_running()
        result = services.plex_import_request(
            plex_metadata_ids=ids, analyze=options["analyze"], force=options["force"],
            tvs_wanted=chosen, collection=options["collection"])
        if result.collection:
            self.stdout.write(f"Put {result.added_to_collection} in the collection "
                              f"“{result.collection}” (the others were in it).")
        records = services.plex_import_records(plex_metadata_ids=result.queued)
        if inline:
            if records:
                self.stdout.write(f"No worker is running: importing {len(records)} "
                                  f"photo(s){self.to} in this process.")
            ended = (services.plex_import_run_inline(record_id=r.pk) for r in records)
        elif options["wait"]:
            self.stdout.write(f"A worker is importing {len(records)} photo(s){self.to}; "
                              "following it.")
            ended = services.plex_import_follow(
                record_ids=[r.pk for r in records],
                timeout=None if timeout is None else timeout * 60)
        else:
            return self.queued(result)
        done, failed = self.follow(ended, total=len(records))
        self.summary(f"Imported {len(done)}{self.to}", result, failed)
        under_way = len(records) - len(done) - len(failed)
        if under_way:
            self.stdout.write(f"Stopped following after {timeout:g} min: {under_way} import(s) "
                              "still under way in the worker; see Plex › Import records.")
        if failed or result.errors or under_way:
            raise SystemExit(1)

    @staticmethod
    def tvs_named(names: list[str] | None) -> list:
        """The TVs of --tv, checked before anything is asked of Plex; [] for the default."""
        if not names:
            return []
        try:
            return tvs.tvs_chosen(names)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc

    def photo_ids(self, options) -> tuple[list[str], PlexLibrary | None, list]:
        """The ids of the photos asked for; with --library, the library and the photos
        as Plex listed them too."""
        library, album, ids = options["library"], options["album"], options["ids"]
        every, limit = options["all"], options["limit"]
        if ids is not None:
            if library or album is not None or every or limit is not None:
                raise usage_error("--ids names the photos itself: leave out --library, "
                                  "--album, --all and --limit.")
            ids = [i.strip() for i in ids.split(",") if i.strip()]
            if not ids:
                raise usage_error("--ids takes Plex ratingKeys separated by commas, "
                                  "e.g. --ids 1234,1235.")
            return ids, None, []
        if not library:
            if album is not None or every or limit is not None:
                raise usage_error("--album, --all and --limit need --library, e.g. "
                                  "--library Photos --limit 10.")
            raise usage_error("Say which photos to import: --ids, or --library with --all "
                              "or --limit.")
        if not every and limit is None:
            raise usage_error("Say how many photos of the library to import: --all, or "
                              "--limit N for the first N.")
        if limit is not None and limit < 1:
            raise usage_error("--limit takes a number of photos, 1 or more.")
        try:
            found = services.plex_library_get(library=library)
            album_key = None
            if album is not None:
                album_key = services.plex_album_find(library=found, path=album)
            listed = services.plex_photo_list(library=found, album_key=album_key, limit=limit)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        return [photo.rating_key for photo in listed], found, listed

    def dry_run(self, ids: list[str], listed: list, *, force: bool, chosen: list) -> None:
        plan = services.plex_import_plan(plex_metadata_ids=ids, force=force, tvs_wanted=chosen,
                                         listed=listed)
        names = services.plex_photo_names(plex_metadata_ids=ids, listed=listed)
        if plan.queued:
            self.stdout.write(f"Would import {len(plan.queued)}{self.to}:")
            for plex_id in plan.queued:
                self.stdout.write(f"  {plex_id}  {names.get(plex_id, '')}".rstrip())
        self.listing(plan.skipped, plan.errors, names, headings=("Would skip", "Would fail"))
        self.stdout.write(f"Dry run, nothing queued: would import {len(plan.queued)}, "
                          f"skip {len(plan.skipped)}, fail {len(plan.errors)}")
        if plan.errors:
            raise SystemExit(1)

    def queued(self, result: services.ImportRequestResult) -> None:
        if result.queued:
            self.stdout.write("A worker is importing them; follow them in the admin, or run "
                              "the command with --wait.")
        self.summary(f"Queued {len(result.queued)}{self.to}", result, [])
        if result.errors:
            raise SystemExit(1)

    def follow(self, ended, *, total: int) -> tuple[list, list]:
        """Show each record as it ends: a bar on a terminal, else one line each."""
        done, failed = [], []
        bar = self.stdout.isatty() and total > 0
        if bar:
            self.progress(0, total)
        for record in ended:
            (done if record.status == ImportStatus.DONE else failed).append(record)
            if bar:
                self.progress(len(done) + len(failed), total)
            else:
                self.stdout.write(self.line(record))
        if bar:
            self.stdout.write("")
        return done, failed

    def progress(self, count: int, total: int) -> None:
        filled = BAR_WIDTH * count // total
        self.stdout.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {count}/{total}",
                          ending="")
        self.stdout.flush()

    def line(self, record: ImportRecord) -> str:
        name = self.name(record)
        if record.status == ImportStatus.DONE:
            return f"{placements.shown_as(record.artwork)}  {name}  done"
        return f"{record.plex_metadata_id}  {name}  failed: {record.last_error}"

    @staticmethod
    def name(record: ImportRecord) -> str:
        if record.photo is not None:
            return record.photo.part_file or record.photo.title or record.plex_metadata_id
        return record.artwork.original_filename if record.artwork else record.plex_metadata_id

    def summary(self, first: str, result: services.ImportRequestResult,
                failed: list[ImportRecord]) -> None:
        self.stdout.write(f"{first}, skipped {len(result.skipped)}, "
                          f"failed {len(failed) + len(result.errors)}")
        names = services.plex_photo_names(plex_metadata_ids=[
            entry["plex_metadata_id"] for entry in result.skipped + result.errors])
        errors = [{"plex_metadata_id": r.plex_metadata_id, "error": r.last_error}
                  for r in failed] + result.errors
        names.update({r.plex_metadata_id: self.name(r) for r in failed})
        self.listing(result.skipped, errors, names)

    def listing(self, skipped: list[dict], errors: list[dict], names: dict[str, str], *,
                headings=("Skipped", "Failed")) -> None:
        for heading, entries, key in ((headings[0], skipped, "reason"),
                                      (headings[1], errors, "error")):
            if entries:
                self.stdout.write(f"{heading}:")
            for entry in entries:
                plex_id = entry["plex_metadata_id"]
                name = f"  {names[plex_id]}" if names.get(plex_id) else ""
                self.stdout.write(f"  {plex_id}{name}: {entry[key]}")
