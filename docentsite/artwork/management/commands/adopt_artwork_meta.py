from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from docentsite.artwork import metafile


class Command(BaseCommand):
    help = (
        "Record the pictures listed in an original Docent's artwork_meta.json as "
        "artworks on the TV, keeping their titles and AI descriptions. Pictures "
        "Docent already knows are skipped, so running it twice is harmless. "
        "Example: python manage.py adopt_artwork_meta /old-docent/artwork_meta.json"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", type=Path,
            help="The file to adopt (default: ARTWORK_META_PATH).",
        )

    def handle(self, *args, path=None, **options):
        path = path or Path(settings.ARTWORK_META_PATH)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        result = metafile.adopt(path)
        self.stdout.write(
            f"Adopted {result.created} artworks from {path} ({result.skipped} already known)"
        )
