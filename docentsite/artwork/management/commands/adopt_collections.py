from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from docentsite.artwork import collections, tvs
from docentsite.artwork.errors import DocentError


class Command(BaseCommand):
    help = (
        "Bring an original Docent's collections.json into Docent's collections: each "
        "collection by name, with the pictures of Docent's on the TV that it lists. Adopt "
        "its artwork_meta.json first (adopt_artwork_meta). Running it twice is harmless. "
        "Example: python manage.py adopt_collections /old-docent/collections.json"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", type=Path,
            help="The file (default: collections.json beside ARTWORK_META_PATH).")
        parser.add_argument(
            "--tv", help="The TV whose content ids the file names, by name or id "
                         "(default: the default TV).")

    def handle(self, *args, path=None, tv=None, **options):
        path = path or Path(settings.ARTWORK_META_PATH).with_name("collections.json")
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            chosen = tvs.tv_get(tv=tv) if tv else tvs.tv_default()
            found = collections.collections_adopt(path=path, tv=chosen)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        for why in found.skipped:
            self.stderr.write(f"Skipped {why}.")
        unknown = (f"; {found.unknown} content id(s) are no picture of Docent's on "
                   f"{chosen.name} (run adopt_artwork_meta first?)" if found.unknown else "")
        self.stdout.write(f"Adopted {found.collections} collection(s) from {path}: "
                          f"{found.joined} picture(s) joined{unknown}.")
