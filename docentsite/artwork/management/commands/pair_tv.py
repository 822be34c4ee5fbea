from django.core.management.base import BaseCommand, CommandError

from docentsite.artwork import tvs
from docentsite.artwork.errors import DocentError


class Command(BaseCommand):
    help = (
        "Ask a TV to allow Docent, once. The TV shows a prompt: press Allow on the "
        "remote. Example: python manage.py pair_tv --tv 'Living room'"
    )

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=60,
                            help="Seconds to wait for Allow to be pressed (default 60).")
        parser.add_argument("--tv", help="The TV's name or id (default: the default TV, "
                                         "the one TV_HOST names).")

    def handle(self, *args, wait, tv, **options):
        try:
            row = tvs.tv_get(tv=tv) if tv else tvs.tv_default()
            frame = tvs.frame_of(row)
            self.stdout.write(f"Connecting to {row.name} at {frame.address}: press Allow on "
                              "the TV now.")
            tvs.tv_pair(tv=row, wait=wait)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Paired. {row.name}'s token is kept in {frame.token_file}."))
