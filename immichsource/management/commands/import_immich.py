"""import_immich: the core's import command (docentsite.sources.command) picking Immich
pictures by album, from All photos, or by asset id."""

from django.core.management.base import CommandError

from docentsite.artwork.errors import DocentError
from docentsite.sources.command import Picked, SourceImportCommand, comma_ids, usage_error
from immichsource import client as immich
from immichsource import importing


class Command(SourceImportCommand):
    source_key = "immich"
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

    def add_pick_arguments(self, parser):
        parser.add_argument("--album", metavar="NAME|ID",
                            help="An Immich album, by name (any case) or id.")
        parser.add_argument("--ids", metavar="ID,ID,...",
                            help="Immich asset ids, separated by commas. Used alone.")
        parser.add_argument("--all", action="store_true",
                            help="Every picture of the album, or of All photos.")
        parser.add_argument("--limit", type=int, metavar="N",
                            help="At most N pictures, the newest first.")

    def pick(self, options) -> Picked:
        album, ids, every, limit = (options["album"], options["ids"], options["all"],
                                    options["limit"])
        if ids is not None:
            if album is not None or every or limit is not None:
                raise usage_error("--ids names the pictures itself: leave out --album, --all "
                                  "and --limit.")
            ids = comma_ids(ids, none="--ids takes Immich asset ids separated by commas.")
            return Picked(ids, extra={"listed": []})
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
        return Picked([photo.id for photo in photos], extra={"listed": photos})

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
            size = immich.MAX_PAGE if limit is None else min(immich.MAX_PAGE, limit - len(photos))
            result = client.photos_page(page=page, size=size)
            photos += result.items
            page = result.next_page
        return photos

    # The pictures as Immich listed them: the import asks nothing more of Immich.

    def names(self, refs: list[str], picked: Picked | None = None) -> dict[str, str]:
        listed = {photo.id: photo.file_name for photo in (picked.extra["listed"] if picked
                                                          else [])}
        return {**super().names(refs), **listed}

    def request(self, picked: Picked, options, chosen):
        return importing.immich_import_request(
            asset_ids=picked.refs, analyze=options["analyze"], force=options["force"],
            tvs_wanted=chosen, collection=options["collection"], framing=options["framing"],
            matte=options["matte"],
            listed=picked.extra["listed"])

    def plan(self, picked: Picked, *, force: bool, chosen):
        return importing.immich_import_plan(asset_ids=picked.refs, force=force,
                                            tvs_wanted=chosen, listed=picked.extra["listed"])
