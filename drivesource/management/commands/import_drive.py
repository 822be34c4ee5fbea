from django.core.management.base import CommandError

from docentsite.artwork.errors import DocentError
from docentsite.sources.command import Picked, SourceImportCommand, comma_ids, usage_error
from drivesource import importing


class Command(SourceImportCommand):
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

    source_key = "google_drive"

    def add_pick_arguments(self, parser):
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

    def pick(self, options) -> Picked:
        ids, folder = options["ids"], options["folder"]
        if ids is not None:
            if folder is not None or options["subfolders"]:
                raise usage_error("--ids names the pictures itself: leave out --folder and "
                                  "--subfolders.")
            return Picked(comma_ids(ids, none="--ids takes Drive file ids separated by commas."))
        if options["force"]:
            raise usage_error("--force goes with --ids: a folder imports what is not "
                              "imported yet.")
        try:
            folder_id = importing.drive_folder_find(text=folder) if folder is not None else None
            pictures = importing.drive_folder_pictures(folder_id=folder_id,
                                                       subfolders=options["subfolders"])
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        return Picked([entry.id for entry in pictures],
                      lookup=lambda refs: importing.drive_lookup(refs=refs, listed=pictures),
                      extra={"names": {entry.id: entry.name for entry in pictures}})

    def names(self, refs, picked=None):
        names = super().names(refs, picked)
        if picked is not None:
            names.update({ref: name for ref, name in picked.extra.get("names", {}).items()
                          if ref in refs})
        return names

    def before_import(self, picked: Picked) -> None:
        if "names" in picked.extra:  # a folder's pictures: a sync
            importing.drive_sync_ran()
