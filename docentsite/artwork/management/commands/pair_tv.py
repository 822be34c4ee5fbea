from django.core.management.base import BaseCommand, CommandError

from docentsite.artwork import frametv, services
from docentsite.artwork.errors import DocentError


class Command(BaseCommand):
    help = (
        "Ask the TV to allow Docent, once. The TV shows a prompt: press Allow on the "
        "remote. The token is kept in TV_TOKEN_FILE. Example: python manage.py pair_tv"
    )

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=60,
                            help="Seconds to wait for Allow to be pressed (default 60).")

    def handle(self, *args, wait, **options):
        tv = frametv.from_settings()
        self.stdout.write(f"Connecting to the TV at {tv.address}: press Allow on the TV now.")
        try:
            services.tv_pair(tv=tv, wait=wait)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Paired. The TV's token is kept in {tv.token_file}."))
