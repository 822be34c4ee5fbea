"""The sources Docent imports from, as their apps declare them.

A source is a Django app whose AppConfig has a `docent_source` attribute, a `Source`.
The core reads the registry and names no source: the status page, `docent_check`, the
admin's home and gallery, the log redaction and artwork_meta.json loop over it, and the
import machinery (docentsite.sources.imports) calls a source's functions through it.

Callables are given as dotted paths, imported on first use: an AppConfig is read
before the models are, and a source's functions need them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.db import models

#: The record model a source without one of its own shares (one row per (source, ref)).
SHARED_RECORDS = "sources.SourceImport"


@dataclass(frozen=True)
class Source:
    """What a source app declares; see docs/sources.md for each field."""

    #: Artwork.source of its pictures, and their "source" in artwork_meta.json.
    key: str
    #: What a person calls it: "Google Drive".
    label: str
    #: fetch_original(*, ref: str, dest_dir: Path) -> Path | Original: the original,
    #: downloaded into dest_dir. Raises DocentError: transient (retried), else permanent.
    fetch_original: str
    #: lookup(*, refs: list[str]) -> (dict[ref, Item], dict[ref, error]): what each
    #: picture asked for is (title, file name), and why the others cannot be imported.
    lookup: str
    #: Settings holding secrets: their values never reach a log line.
    secrets: tuple[str, ...] = ()
    #: The artwork_meta.json key carrying its id for a picture (Artwork.source_ref):
    #: "drive_file_id". Adopting an original Docent's file reads it back.
    meta_ref_key: str = ""
    #: meta_fields(artwork) -> dict: the artwork_meta.json fields of one of its
    #: pictures; by default {"source": key, meta_ref_key: artwork.source_ref}.
    meta_fields: str = ""
    #: check(*, remember: bool) -> health.Check, named `label`: is it set up and
    #: answering? Never raises. `remember` False: a GET's check, which writes nothing.
    check: str = ""
    #: settings_check() -> health.Check | None: the check when the settings alone
    #: tell (not set up, set up wrong), without asking the outside system.
    settings_check: str = ""
    #: The .env lines that turn it on, shown on the status page while it is off.
    setup_lines: tuple[str, ...] = ()
    #: What a person should look at when its check is not ok.
    hint: str = ""
    #: counts() -> list[(label, number, url or "")]: its own figures on the status page
    #: beside the import counts the core keeps.
    counts: str = ""
    #: URL name of its browse page ("Import from <label>"), and what it says there.
    browse_url: str = ""
    browse_blurb: str = ""
    #: The permission that lets a person import from it (links shown only with it).
    import_permission: str = ""
    #: Its URLs: a module whose `urlpatterns` go under /admin/ (its browse page, behind
    #: the admin login); a ninja Router mounted at /api/<api_prefix>/; a module whose
    #: `urlpatterns` go under /api/ in the `api` namespace (plain views: thumbnails).
    admin_urls: str = ""
    api_prefix: str = ""
    api_router: str = ""
    api_urls: str = ""
    #: A sentence for the API's documentation about its routes ninja does not list.
    api_note: str = ""
    #: Its import records: a model deriving from ImportRecordBase ("app.Model") and the
    #: field holding its id; by default the shared SourceImport's `ref`.
    records: str = SHARED_RECORDS
    ref_field: str = "ref"
    #: What its API calls a picture's id (import results, the browse page's requests):
    #: by default ref_field. A source on the shared records may say "drive_file_id".
    api_ref: str = ""

    @property
    def record_model(self) -> type[models.Model]:
        return apps.get_model(self.records)

    @property
    def shared_records(self) -> bool:
        return self.records == SHARED_RECORDS

    def record_rows(self):
        """This source's import records (a queryset)."""
        rows = self.record_model.objects.all()
        return rows.filter(source=self.key) if self.shared_records else rows

    def identity(self, ref: str) -> dict:
        """The fields that name the record of `ref`."""
        return {"source": self.key, "ref": ref} if self.shared_records else {self.ref_field: ref}

    @property
    def ref_name(self) -> str:
        return self.api_ref or self.ref_field

    def ref_of(self, record) -> str:
        return getattr(record, self.ref_field)

    @property
    def records_url(self) -> str:
        """The admin changelist of its records (the shared one filtered to it)."""
        model = self.record_model._meta
        return f"admin:{model.app_label}_{model.model_name}_changelist"

    @property
    def records_query(self) -> str:
        """What narrows records_url to this source's records ("" or "source__exact=..&")."""
        return f"source__exact={self.key}&" if self.shared_records else ""

    def call(self, name: str, /, *args, **kwargs):
        """Call one of its declared functions."""
        return _imported(getattr(self, name))(*args, **kwargs)

    def has(self, name: str) -> bool:
        return bool(getattr(self, name))


@functools.cache
def _imported(path: str) -> Callable:
    return import_string(path)


#: Sources registered at run time (a test's), beside those the installed apps declare.
_registered: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add a source that no AppConfig declares (the test suite's); returns it."""
    _registered[source.key] = source
    return source


def unregister(key: str) -> None:
    _registered.pop(key, None)


def sources() -> list[Source]:
    """Every source, in INSTALLED_APPS order, then those registered at run time."""
    declared = [config.docent_source for config in apps.get_app_configs()
                if isinstance(getattr(config, "docent_source", None), Source)]
    return [*declared, *(source for source in _registered.values()
                         if source.key not in {each.key for each in declared})]


def source_get(key: str) -> Source | None:
    """The source whose key this is, or None (an upload, or a source not installed)."""
    return next((source for source in sources() if source.key == key), None)


def source_label(key: str) -> str:
    """What a person calls the source of a picture: "Direct upload", its label, or the key."""
    if key == "upload":
        return "Direct upload"
    source = source_get(key)
    return source.label if source else key


def secret_settings() -> tuple[str, ...]:
    """The settings every source declares secret."""
    return tuple(name for source in sources() for name in source.secrets)
