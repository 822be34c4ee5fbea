"""The body every `import_<source>` command shares.

The options that are the same for every source (--tv, --collection, --framing,
--matte, --analyze, --force, --dry-run, --wait, --timeout), the import queued, run in
this process when no worker answers, or followed in a worker, a bar (or a line a
picture), the summary, and the exit code: 0 when nothing failed, 1 when something
did, 2 for a usage error. A source's command says how its pictures are picked
(add_pick_arguments, pick) and what to call them (names).
"""

import argparse
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from docentsite.artwork import placements, tvs
from docentsite.artwork import services as artwork_services
from docentsite.artwork.errors import DocentError
from docentsite.sources import imports, inline
from docentsite.sources.models import ImportStatus
from docentsite.sources.registry import Source, source_get

BAR_WIDTH = 30


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the description's lines, so its examples stay whole."""


def usage_error(message: str) -> CommandError:
    return CommandError(f"{message} See --help.", returncode=2)


def comma_ids(text: str, *, none: str) -> list[str]:
    """The ids of an --ids option ("a,b, c"); a usage error saying `none` when it has none."""
    ids = [i.strip() for i in text.split(",") if i.strip()]
    if not ids:
        raise usage_error(none)
    return ids


@dataclass
class Picked:
    """The pictures a command was asked for: their ids, and what the source said of
    them while listing them (a lookup for the import to use instead of asking again)."""

    refs: list[str]
    lookup: imports.Lookup | None = None
    #: Whatever the source's command keeps for its own hooks (Plex: the library, the
    #: photos as listed).
    extra: dict = field(default_factory=dict)


class SourceImportCommand(BaseCommand):
    #: The source's key in the registry.
    source_key = ""
    #: What a picture is called in the command's lines: "photo(s)".
    noun = "picture(s)"

    @property
    def source(self) -> Source:
        return source_get(self.source_key)

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    # -- what a source's command says ------------------------------------------------------

    def add_pick_arguments(self, parser) -> None:
        """The options that pick the pictures (--ids, --album, ...)."""
        raise NotImplementedError

    def pick(self, options) -> Picked:
        """The pictures the options pick; a usage_error or CommandError when they can't."""
        raise NotImplementedError

    def names(self, refs: list[str], picked: Picked | None = None) -> dict[str, str]:
        """A name to show for each picture (its file name, say); by default its record's
        title, else its artwork's file name."""
        return {self.source.ref_of(record): self.name(record)
                for record in imports.source_import_records(source=self.source, refs=refs)}

    def name(self, record) -> str:
        """What to call a record's picture in a line."""
        artwork = record.artwork
        title = getattr(record, "title", "")
        return title or (artwork.original_filename if artwork else "") or self.source.ref_of(
            record)

    # -- what each step calls: the core's, a source's command may say otherwise ---------------

    def workers_running(self) -> bool:
        return inline.workers_running()

    def before_import(self, picked: Picked) -> None:
        """Anything to keep before the import (what the source listed, say)."""

    def request(self, picked: Picked, options, chosen) -> imports.ImportRequestResult:
        return imports.source_import_request(
            source=self.source, refs=picked.refs, analyze=options["analyze"],
            force=options["force"], tvs_wanted=chosen, collection=options["collection"],
            framing=options["framing"], matte=options["matte"], lookup=picked.lookup)

    def plan(self, picked: Picked, *, force: bool, chosen) -> imports.ImportRequestResult:
        return imports.source_import_plan(source=self.source, refs=picked.refs, force=force,
                                          tvs_wanted=chosen, lookup=picked.lookup)

    def records(self, refs: list[str]) -> list:
        return imports.source_import_records(source=self.source, refs=refs)

    def run_inline(self, record_id: int):
        return inline.source_import_run_inline(source=self.source, record_id=record_id)

    def follow_records(self, record_ids: list[int], timeout: float | None):
        return inline.source_import_follow(source=self.source, record_ids=record_ids,
                                           timeout=timeout)

    # -- the command ---------------------------------------------------------------------

    def add_arguments(self, parser):
        self.add_pick_arguments(parser)
        noun = self.noun.removesuffix("(s)")
        parser.add_argument(
            "--tv", action="append", dest="tvs", metavar="NAME",
            help=f"A TV to put the {noun}s on, by name or id; repeat it for several, e.g. "
                 "--tv 'Living room' --tv Bedroom. Default: the TV of TV_HOST in .env.")
        parser.add_argument(
            "--collection", metavar="NAME",
            help=f"Put the {noun}s in this collection, made if there is none by that name; "
                 f"{noun}s imported before join it too, e.g. --collection Travel.")
        parser.add_argument(
            "--framing", choices=("fill", "fit", "as_is"),
            help=f"How the new {noun}s meet the TV's 16:9 screen: fill (cropped around "
                 "what matters), fit (the whole picture on a matte) or as_is. Default: "
                 "the TV's, then FRAMING_BY_SOURCE, then FRAMING_DEFAULT.")
        parser.add_argument(
            "--matte", metavar="ID",
            help=f"The matte the new {noun}s get on each TV it suits, e.g. shadowbox_polar, "
                 "or none; a TV it does not suit uses its default matte or none. Default: "
                 "each TV's default matte.")
        parser.add_argument(
            "--analyze", action=argparse.BooleanOptionalAction, default=None,
            help="Describe each picture with the vision model, or not (--no-analyze). "
                 "Default: the AUTO_ANALYZE setting.")
        parser.add_argument(
            "--force", action="store_true",
            help=f"Import {noun}s that are already on the TV again, as new pictures, e.g. "
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
        self.matte_check(options["matte"], chosen)
        self.to = f" to {', '.join(tv.name for tv in chosen)}" if chosen else ""
        picked = self.pick(options)
        if options["dry_run"]:
            return self.dry_run(picked, force=options["force"], chosen=chosen)
        self.before_import(picked)
        run_here = not self.workers_running()
        result = self.request(picked, options, chosen)
        if result.collection:
            self.stdout.write(f"Put {result.added_to_collection} in the collection "
                              f"“{result.collection}” (the others were in it).")
        records = self.records(result.queued)
        if run_here:
            if records:
                self.stdout.write(f"No worker is running: importing {len(records)} "
                                  f"{self.noun}{self.to} in this process.")
            ended = (self.run_inline(record.pk) for record in records)
        elif options["wait"]:
            self.stdout.write(f"A worker is importing {len(records)} {self.noun}{self.to}; "
                              "following it.")
            ended = self.follow_records([r.pk for r in records],
                                        None if timeout is None else timeout * 60)
        else:
            return self.queued(result)
        done, failed = self.follow(ended, total=len(records))
        self.summary(f"Imported {len(done)}{self.to}", result, failed)
        under_way = len(records) - len(done) - len(failed)
        if under_way:
            self.stdout.write(f"Stopped following after {timeout:g} min: {under_way} import(s) "
                              f"still under way in the worker; see {self.source.label} › "
                              "Import records.")
        if failed or result.errors or under_way:
            raise SystemExit(1)

    @staticmethod
    def tvs_named(names: list[str] | None) -> list:
        """The TVs of --tv, checked before anything is asked of the source; [] for the
        default."""
        if not names:
            return []
        try:
            return tvs.tvs_chosen(names)
        except DocentError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def matte_check(matte: str | None, chosen: list) -> None:
        """--matte is one the TVs offer, checked before anything is asked of the source."""
        if not matte:
            return
        try:
            artwork_services.import_matte_check(matte=matte,
                                                tvs=tvs.tvs_for_new_work(chosen or None))
        except DocentError as exc:
            raise CommandError(str(exc)) from exc

    def dry_run(self, picked: Picked, *, force: bool, chosen: list) -> None:
        plan = self.plan(picked, force=force, chosen=chosen)
        names = self.names(picked.refs, picked)
        if plan.queued:
            self.stdout.write(f"Would import {len(plan.queued)}{self.to}:")
            for ref in plan.queued:
                self.stdout.write(f"  {ref}  {names.get(ref, '')}".rstrip())
        self.listing(plan.skipped, plan.errors, names, headings=("Would skip", "Would fail"))
        self.stdout.write(f"Dry run, nothing queued: would import {len(plan.queued)}, "
                          f"skip {len(plan.skipped)}, fail {len(plan.errors)}")
        if plan.errors:
            raise SystemExit(1)

    def queued(self, result: imports.ImportRequestResult) -> None:
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

    def line(self, record) -> str:
        name = self.name(record)
        if record.status == ImportStatus.DONE:
            return f"{placements.shown_as(record.artwork)}  {name}  done"
        return f"{self.source.ref_of(record)}  {name}  failed: {record.last_error}"

    def summary(self, first: str, result: imports.ImportRequestResult, failed: list) -> None:
        key = self.source.ref_name
        self.stdout.write(f"{first}, skipped {len(result.skipped)}, "
                          f"failed {len(failed) + len(result.errors)}")
        names = self.names([entry[key] for entry in result.skipped + result.errors])
        errors = [{key: self.source.ref_of(r), "error": r.last_error}
                  for r in failed] + result.errors
        names.update({self.source.ref_of(r): self.name(r) for r in failed})
        self.listing(result.skipped, errors, names)

    def listing(self, skipped: list[dict], errors: list[dict], names: dict[str, str], *,
                headings=("Skipped", "Failed")) -> None:
        key = self.source.ref_name
        for heading, entries, reason in ((headings[0], skipped, "reason"),
                                         (headings[1], errors, "error")):
            if entries:
                self.stdout.write(f"{heading}:")
            for entry in entries:
                ref = entry[key]
                name = f"  {names[ref]}" if names.get(ref) else ""
                self.stdout.write(f"  {ref}{name}: {entry[reason]}")
