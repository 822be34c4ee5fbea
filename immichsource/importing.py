"""Importing Immich photos: what the core's import machinery asks of the Immich source
(which pictures the asset ids name, and their originals), and the use cases the API,
the browse page and `import_immich` call, each the core's (docentsite.sources)."""

from collections.abc import Iterable
from pathlib import Path

from docentsite.artwork.errors import DocentError
from docentsite.sources import imports
from docentsite.sources.imports import ImportRequestResult, Item, safe
from docentsite.sources.registry import Source, source_get
from immichsource import client as immich

__all__ = ["ImportRequestResult"]


def _immich() -> Source:
    return source_get("immich")


# -- what the core asks of the source -----------------------------------------------

def immich_lookup(*, refs: list[str], client: immich.ImmichClient | None = None
                  ) -> tuple[dict[str, Item], dict[str, str]]:
    """Each asset as Immich describes it now (one request an asset: Immich has no
    batch read), and why the others cannot be imported (a video, a live photo's
    motion part, in the trash, deleted, Immich down)."""
    items, errors = {}, {}
    try:
        client = client or immich.from_settings()
    except DocentError as exc:
        return {}, dict.fromkeys(refs, str(exc))
    for ref in refs:
        try:
            items[ref] = _item(client.asset(ref))
        except (immich.ImmichUnavailable, immich.ImmichAuthError, immich.ImmichForbidden) as exc:
            # Down (or the key refused) for one is so for the rest: say so for each,
            # without asking again for each.
            errors.update(dict.fromkeys([r for r in refs if r not in items], str(exc)))
            break
        except DocentError as exc:
            errors[ref] = str(exc)
    return items, errors


def _item(asset: immich.Asset) -> Item:
    stem = asset.file_name.rpartition(".")[0] or asset.file_name
    return Item(ref=asset.id, title=stem or asset.id, filename=asset.file_name)


def immich_fetch_original(*, ref: str, dest_dir: Path,
                          client: immich.ImmichClient | None = None) -> Path:
    """Download the asset's original file (HEIC as it is) into `dest_dir`, after
    checking it is still a picture in the library (not trashed, not deleted)."""
    client = client or immich.from_settings()
    asset = client.asset(ref)
    return client.download(asset.id, dest_dir / _safe_name(asset)).path


def _safe_name(asset: immich.Asset) -> str:
    stem, dot, suffix = (asset.file_name or "photo.jpg").rpartition(".")
    return f"{safe(stem or suffix)}.{safe(suffix)}" if dot else safe(suffix)


# -- the use cases ---------------------------------------------------------------------

def immich_import_request(
    *, asset_ids: Iterable[str], analyze: bool | None = None, force: bool = False, user=None,
    tvs_wanted=None, collection: str | None = None,
    framing: str | None = None, matte: str | None = None, listed: Iterable[immich.Asset] = (),
    client: immich.ImmichClient | None = None,
) -> ImportRequestResult:
    """Queue each asset for the TVs named (default: the default TV) unless it is
    already there or on its way; one import record per asset, ever.

    The assets of `listed` (just listed from Immich) are taken as listed; any other is
    asked of Immich."""
    known = {asset.id: _item(asset) for asset in listed}

    def lookup(refs: list[str]):
        items, errors = immich_lookup(refs=[r for r in refs if r not in known], client=client)
        return {**items, **{r: known[r] for r in refs if r in known}}, errors

    return imports.source_import_request(
        source=_immich(), refs=list(asset_ids), analyze=analyze, force=force, user=user,
        tvs_wanted=tvs_wanted, collection=collection, framing=framing, matte=matte, lookup=lookup)


def immich_album_import(
    *, album_id: str, analyze: bool | None = None, force: bool = False, user=None,
    tvs_wanted=None, collection: str | None = None,
    framing: str | None = None, matte: str | None = None, client: immich.ImmichClient | None = None,
) -> ImportRequestResult:
    """Queue every picture of the album (its videos and motion parts are left out)."""
    client = client or immich.from_settings()
    photos = client.album_photos(album_id)
    return immich_import_request(
        asset_ids=[photo.id for photo in photos], analyze=analyze, force=force, user=user,
        tvs_wanted=tvs_wanted, collection=collection, framing=framing, matte=matte,
        listed=photos, client=client)


def immich_import_plan(*, asset_ids: Iterable[str], force: bool = False, tvs_wanted=None,
                       listed: Iterable[immich.Asset] = (),
                       client: immich.ImmichClient | None = None) -> ImportRequestResult:
    """What immich_import_request would do, without doing it."""
    known = {asset.id: _item(asset) for asset in listed}

    def lookup(refs: list[str]):
        items, errors = immich_lookup(refs=[r for r in refs if r not in known], client=client)
        return {**items, **{r: known[r] for r in refs if r in known}}, errors

    return imports.source_import_plan(source=_immich(), refs=list(asset_ids), force=force,
                                      tvs_wanted=tvs_wanted, lookup=lookup)


def immich_import_records(*, asset_ids: Iterable[str]) -> list:
    return imports.source_import_records(source=_immich(), refs=asset_ids)
