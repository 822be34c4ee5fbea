"""import_plex: the core's import command (docentsite.sources.command) picking Plex
photos by library, album or id."""

from django.core.management.base import CommandError

from docentsite.artwork.errors import DocentError
from docentsite.sources.command import Picked, SourceImportCommand, comma_ids, usage_error
from plexsource import services
from plexsource.models import ImportRecord, PlexLibrary


class Command(SourceImportCommand):
    source_key = "plex"
    noun = "photo(s)"
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

    def add_pick_arguments(self, parser):
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

    def pick(self, options) -> Picked:
        ids, library, listed = self.photo_ids(options)
        return Picked(ids, extra={"library": library, "listed": listed})

    def photo_ids(self, options) -> tuple[list[str], PlexLibrary | None, list]:
        """The ids of the photos asked for; with --library, the library and the photos
        as Plex listed them too."""
        library, album, ids = options["library"], options["album"], options["ids"]
        every, limit = options["all"], options["limit"]
        if ids is not None:
            if library or album is not None or every or limit is not None:
                raise usage_error("--ids names the photos itself: leave out --library, "
                                  "--album, --all and --limit.")
            ids = comma_ids(ids, none="--ids takes Plex ratingKeys separated by commas, "
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

    # The Plex use cases, where they differ from the core's: photos as Plex listed them,
    # and their records with the photos' own names.

    def workers_running(self) -> bool:
        return services.plex_workers_running()

    def before_import(self, picked: Picked) -> None:
        if picked.extra["listed"]:
            services.plex_photos_remember(library=picked.extra["library"],
                                          photos=picked.extra["listed"])

    def request(self, picked: Picked, options, chosen):
        return services.plex_import_request(
            plex_metadata_ids=picked.refs, analyze=options["analyze"], force=options["force"],
            tvs_wanted=chosen, collection=options["collection"], framing=options["framing"],
            matte=options["matte"])

    def plan(self, picked: Picked, *, force: bool, chosen):
        return services.plex_import_plan(plex_metadata_ids=picked.refs, force=force,
                                         tvs_wanted=chosen, listed=picked.extra["listed"])

    def records(self, refs: list[str]) -> list:
        return services.plex_import_records(plex_metadata_ids=refs)

    def run_inline(self, record_id: int):
        return services.plex_import_run_inline(record_id=record_id)

    def follow_records(self, record_ids: list[int], timeout: float | None):
        return services.plex_import_follow(record_ids=record_ids, timeout=timeout)

    def names(self, refs: list[str], picked: Picked | None = None) -> dict[str, str]:
        listed = picked.extra["listed"] if picked else ()
        return services.plex_photo_names(plex_metadata_ids=refs, listed=listed)

    @staticmethod
    def name(record: ImportRecord) -> str:
        if record.photo is not None:
            return record.photo.part_file or record.photo.title or record.plex_metadata_id
        return record.artwork.original_filename if record.artwork else record.plex_metadata_id
