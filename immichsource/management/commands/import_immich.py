import argparse

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from docentsite.artwork import placements, tvs
from docentsite.artwork.errors import DocentError
from docentsite.sources import inline
from docentsite.sources.models import ImportStatus
from docentsite.sources.registry import source_get
from immichsource import client as immich
from immichsource import importing


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the description's lines, so its examples stay whole."""


def usage_error(message: str) -> CommandError:
    return CommandError(f"{message} See --help.", returncode=2)


class Command(BaseCommand):
    help = """Import pictures from Immich to the TV, or to the TVs named.

Pick them with --ids (asset ids), with --album (its name or id) and --all or
--limit, or from All photos (newest first) with --all or --limit. Videos and the
motion part of live photos are never imported. A picture already on the TV or on
its way is skipped with the reason (--force imports it again); a failed one is
tried again from the step that failed. With no worker running the command does
the work itself.

Exits 0 when nothing failed, 1 when something did, 2 for a usage error.

Examples:
  python manage.py import_immich --album Summer --all
  python manage.py import_immich --limit 20 --dry-run
  python manage.py import_immich --ids 5b1c…,9e07… --no-analyze --wait
  python manage.py import_immich --album Summer --all --collection Beach --tv Den
"""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--album", metavar="NAME|ID",
                            help="An Immich album, by name (any case) or id.")
        parser.add_argument("--ids", metavar="ID,ID,...",
                            help="Immich asset ids, separated by commas. Used alone.")
        parser.add_argument("--all", action="store_true",
                            help="Every picture of the album, or of All photos.")
        parser.add_argument("--limit", type=int, metavar="N",
                            help="At most N pictures, the newest first.")
        parser.add_argument("--tv", action="append", dest="tvs", metavar="NAME",
                            help="A TV to put the pictures on, by name or id; repeat it for "
                                 "several. Default: the TV of TV_HOST in .env.")
        parser.add_argument("--collection", metavar="NAME",
                            help="Put the pictures in this collection, made if there is none.")
        parser.add_argument("--analyze", action=argparse.BooleanOptionalAction, default=None,
                            help="Describe each picture with the vision model, or not "
                                 "(--no-analyze). Default: the AUTO_ANALYZE setting.")
        parser.add_argument("--force", action="store_true",
                            help="Import pictures already on the TV again, as new pictures.")
        parser.add_argument("--dry-run", action="store_true",
                            help="List what would be imported or skipped, and why; queue "
                                 "nothing.")
        parser.add_argument("--wait", action="store_true",
                            help="With a worker running, follow it until every import ended.")
        parser.add_argument("--timeout", type=float, metavar="MINUTES",
                            help="With --wait: stop following after this many minutes (exit "
                                 "1 if imports are still under way in the worker).")

    def handle(self, *args, **options):
        if options["dry_run"] and options["wait"]:
            raise usage_error("--dry-run queues nothing to --wait for.")
        timeout = options["timeout"]
        if timeout is not None and (not options["wait"] or timeout <= 0):
            raise usage_error("--timeout goes with --wait and takes minutes, more than 0.")
        chosen = self.tvs_named(options["tvs"])
        self.to = f" to {', '.join(tv.name for tv in chosen)}" if chosen else ""
        ids, listed = self.asset_ids(options)
        self.names = {asset.id: asset.file_name for asset in listed}
        if options["dry_run"]:
            plan = importing.immich_import_plan(asset_ids=ids, force=options["force"],
                                                tvs_wanted=chosen, listed=listed)
            for ref in plan.queued:
                self.stdout.write(f"  {ref}  {self.names.get(ref, '')}".rstrip())
            self.listing(plan.skipped, plan.errors)
            self.stdout.write(f"Dry run, nothing queued: would import {len(plan.queued)}"
                              f"{self.to}, skip {len(plan.skipped)}, fail {len(plan.errors)}")
            if plan.errors:
                raise SystemExit(1)
            return
        source = source_get("immich")
        run_here = not inline.workers_running()
        result = importing.immich_import_request(
            asset_ids=ids, analyze=options["analyze"], force=options["force"],
            tvs_wanted=chosen, collection=options["collection"], listed=listed)
        if result.collection:
            self.stdout.write(f"Put {result.added_to_collection} in the collection "
                              f"“{result.collection}” (the others were in it).")
        records = importing.immich_import_records(asset_ids=result.queued)
        if run_here:
            if records:
                self.stdout.write(f"No worker is running: importing {len(records)} "
                                  f"picture(s){self.to} in this process.")
            ended = (inline.source_import_run_inline(source=source, record_id=r.pk)
                     for r in records)
        elif options["wait"]:
            self.stdout.write(f"A worker is importing {len(records)} picture(s){self.to}; "
                              "following it.")
            ended = inline.source_import_follow(
                source=source, record_ids=[r.pk for r in records],
                timeout=None if timeout is None else timeout * 60)
        else:
            if result.queued:
                self.stdout.write("A worker is importing them; follow them in the admin, or "
                                  "run the command with --wait.")
            self.stdout.write(f"Queued {len(result.queued)}{self.to}, skipped "
                              f"{len(result.skipped)}, failed {len(result.errors)}")
            self.listing(result.skipped, result.errors)
            if result.errors:
                raise SystemExit(1)
            return
        done, failed = [], []
        for record in ended:
            (done if record.status == ImportStatus.DONE else failed).append(record)
            self.stdout.write(self.line(record))
        self.stdout.write(f"Imported {len(done)}{self.to}, skipped {len(result.skipped)}, "
                          f"failed {len(failed) + len(result.errors)}")
        self.listing(result.skipped, result.errors)
        under_way = len(records) - len(done) - len(failed)
        if under_way:
            self.stdout.write(f"Stopped following: {under_way} import(s) still under way in "
                              "the worker.")
        if failed or result.errors or under_way:
            raise SystemExit(1)

    @staticmethod
    def tvs_named(names: list[str] | None) -> list:
        if not names:
            return []
        try:
            return tvs.tvs_chosen(names)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc

    def asset_ids(self, options) -> tuple[list[str], list[immich.Asset]]:
        """The asset ids asked for, and the pictures as Immich listed them."""
        album, ids, every, limit = (options["album"], options["ids"], options["all"],
                                    options["limit"])
        if ids is not None:
            if album is not None or every or limit is not None:
                raise usage_error("--ids names the pictures itself: leave out --album, --all "
                                  "and --limit.")
            ids = [i.strip() for i in ids.split(",") if i.strip()]
            if not ids:
                raise usage_error("--ids takes Immich asset ids separated by commas.")
            return ids, []
        if not every and limit is None:
            raise usage_error("Say which pictures to import: --ids, or --all or --limit N "
                              "(of --album, or of All photos).")
        if limit is not None and limit < 1:
            raise usage_error("--limit takes a number of pictures, 1 or more.")
        try:
            client = immich.from_settings()
            if album is not None:
                photos = client.album_photos(self.album_id(client, album))
            else:
                photos = self.all_photos(client, limit)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        photos = photos[:limit] if limit is not None else photos
        return [photo.id for photo in photos], photos

    @staticmethod
    def album_id(client: immich.ImmichClient, wanted: str) -> str:
        albums = client.albums()
        found = [a for a in albums if a.id == wanted.lower()] or [
            a for a in albums if a.name.casefold() == wanted.casefold()]
        if not found:
            names = ", ".join(sorted(a.name for a in albums)) or "none"
            raise CommandError(f"Immich has no album {wanted!r} (its albums: {names}).")
        if len(found) > 1:
            raise CommandError(f"Immich has {len(found)} albums called {wanted!r}: name one "
                               "by its id.")
        return found[0].id

    @staticmethod
    def all_photos(client: immich.ImmichClient, limit: int | None) -> list[immich.Asset]:
        photos, page = [], 1
        while page and (limit is None or len(photos) < limit):
            result = client.photos_page(page=page, size=immich.MAX_PAGE if limit is None
                                        else min(immich.MAX_PAGE, limit - len(photos)))
            photos += result.items
            page = result.next_page
        return photos

    def line(self, record) -> str:
        name = self.names.get(record.ref) or record.title or record.ref
        if record.status == ImportStatus.DONE:
            return f"{placements.shown_as(record.artwork)}  {name}  done"
        return f"{record.ref}  {name}  failed: {record.last_error}"

    def listing(self, skipped: list[dict], errors: list[dict]) -> None:
        for heading, entries, key in (("Skipped", skipped, "reason"), ("Failed", errors, "error")):
            if entries:
                self.stdout.write(f"{heading}:")
            for entry in entries:
                ref = entry["asset_id"]
                name = f"  {self.names[ref]}" if self.names.get(ref) else ""
                self.stdout.write(f"  {ref}{name}: {entry[key]}")
