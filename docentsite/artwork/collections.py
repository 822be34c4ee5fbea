"""Collections and favourites: how the owner groups the library, for the gallery's
filters and (later) a TV's rotation pool.

An artwork may be in any number of collections; deleting a collection keeps its
artworks. A favourite may also be marked *keep*: rotation never takes it off a TV
(the database refuses keep without favourite).
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from docentsite.artwork import tvfavourites
from docentsite.artwork.errors import NotFound, Rejected
from docentsite.artwork.frametv import content_id_of
from docentsite.artwork.models import TV, Artwork, Collection, Placement

_NAME_MAX = Collection._meta.get_field("name").max_length


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Rejected("A collection needs a name.")
    if len(name) > _NAME_MAX:
        raise Rejected(f"A collection's name has at most {_NAME_MAX} characters.")
    return name


def collection_create(*, name: str) -> Collection:
    name = _clean_name(name)
    try:
        with transaction.atomic():
            return Collection.objects.create(name=name)
    except IntegrityError:
        raise Rejected(f"There is already a collection called “{name}”.") from None


def collection_named(*, name: str, create: bool = False) -> Collection:
    """The collection called `name` (spaces and case as typed or not); a new one if
    `create` and there is none."""
    name = _clean_name(name)
    found = Collection.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    if not create:
        raise NotFound(f"There is no collection called “{name}”.")
    try:
        return collection_create(name=name)
    except Rejected:
        # Created a moment ago by another request.
        return Collection.objects.get(name__iexact=name)


def collection_rename(*, collection: Collection, name: str) -> Collection:
    name = _clean_name(name)
    if Collection.objects.filter(name__iexact=name).exclude(pk=collection.pk).exists():
        raise Rejected(f"There is already a collection called “{name}”.")
    collection.name = name
    collection.save(update_fields=["name", "updated_at"])
    return collection


def collection_delete(*, collection: Collection) -> None:
    """The collection goes; its artworks stay in the library and in other collections."""
    collection.delete()


def collection_add(*, collection: Collection, artworks) -> int:
    """Put the artworks in the collection; those already in it stay. How many joined."""
    through = Artwork.collections.through
    ids = set(_ids(artworks)) - set(through.objects.filter(
        collection=collection).values_list("artwork_id", flat=True))
    through.objects.bulk_create(
        [through(collection=collection, artwork_id=pk) for pk in sorted(ids)],
        ignore_conflicts=True)  # another request may add the same at the same moment
    return len(ids)


def collection_remove(*, collection: Collection, artworks) -> int:
    """Take the artworks out of the collection (not out of the library). How many left it."""
    deleted, _ = Artwork.collections.through.objects.filter(
        collection=collection, artwork_id__in=_ids(artworks)).delete()
    return deleted


def artwork_favourite(*, artworks, favourite: bool) -> int:
    """Star or unstar; an unstarred artwork is no longer kept. How many changed."""
    changes = {"favourite": favourite} if favourite else {"favourite": False, "keep": False}
    return _change(artworks, changes)


def artwork_keep(*, artworks, keep: bool) -> int:
    """Mark favourites that rotation never removes (a kept artwork is a favourite too)."""
    return _change(artworks, {"keep": True, "favourite": True} if keep else {"keep": False})


def _change(artworks, changes: dict) -> int:
    changing = Artwork.objects.filter(pk__in=_ids(artworks)).exclude(**changes)
    starred = list(changing.exclude(favourite=changes["favourite"]).values_list(
        "pk", flat=True)) if "favourite" in changes else []
    changed = changing.update(**changes, updated_at=timezone.now())
    if starred:
        # Each TV they are on follows, in its lane: the request never waits for a TV.
        tvfavourites.artworks_starred(artwork_ids=starred)
    return changed


def artworks_by_id(*, ids) -> list[int]:
    """The ids, each an artwork in the library: NotFound names those that are not."""
    ids = list(dict.fromkeys(ids))
    missing = set(ids) - set(Artwork.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing:
        raise NotFound("No artwork with id " + ", ".join(map(str, sorted(missing))) + ".")
    return ids


def _ids(artworks) -> list[int]:
    if hasattr(artworks, "values_list"):
        return list(artworks.values_list("pk", flat=True))
    return [artwork if isinstance(artwork, int) else artwork.pk for artwork in artworks]


@dataclass
class CollectionsAdopted:
    #: Collections made, or found by name (whatever its case) and added to.
    collections: int = 0
    #: Artworks that joined a collection (those already in it are not counted).
    joined: int = 0
    #: Content ids no picture of Docent's on the TV has (adopt artwork_meta.json first).
    unknown: int = 0
    #: Entries that are not a collection, each with why.
    skipped: list[str] = field(default_factory=list)


def collections_adopt(*, path: Path, tv: TV) -> CollectionsAdopted:
    """Bring an original Docent's collections.json into Docent's collections: each
    collection by name (one of that name already here is added to), with the artworks
    whose placements on `tv` have its content ids. Running it again changes nothing.
    Rejected, and nothing changed, for a file that is not the original's shape."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Rejected(f"{path} cannot be read as JSON: {exc}") from None
    listed = data.get("collections") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        raise Rejected(f"{path} is not an original Docent's collections.json "
                       '(no "collections" list).')
    result = CollectionsAdopted()
    placed = {content_id_of(cid): artwork_id for cid, artwork_id in Placement.objects.filter(
        tv=tv).exclude(content_id=None).values_list("content_id", "artwork_id")}
    with transaction.atomic():
        for number, entry in enumerate(listed, 1):
            name = entry.get("name") if isinstance(entry, dict) else None
            ids = entry.get("content_ids") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not isinstance(ids, list):
                result.skipped.append(f"entry {number}: no name or no content_ids list")
                continue
            try:
                collection = collection_named(name=name, create=True)
            except Rejected as exc:
                result.skipped.append(f"entry {number}: {exc}")
                continue
            wanted = [content_id_of(cid) for cid in ids if isinstance(cid, str) and cid]
            artworks = sorted({placed[cid] for cid in wanted if cid in placed})
            result.unknown += sum(1 for cid in wanted if cid not in placed)
            result.joined += collection_add(collection=collection, artworks=artworks)
            result.collections += 1
    return result
