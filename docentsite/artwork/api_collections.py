"""/api/collections: the owner's named sets of artworks, and an artwork's favourite star."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Path, Router
from ninja.responses import Status

from docentsite.artwork import collections
from docentsite.artwork.models import Artwork, Collection
from docentsite.artwork.schemas import (
    ArtworkIdsIn,
    ArtworkOut,
    CollectionChangeOut,
    CollectionIn,
    CollectionOut,
    FavouriteIn,
    Message,
)
from docentsite.permissions import api_requires

router = Router(tags=["collections"])

RowId = Path[int]
ERRORS = {404: Message, 422: Message}


def _counted():
    return Collection.objects.annotate(picture_count=Count("artworks")).order_by("name")


def _collection(collection_id: int) -> Collection:
    return get_object_or_404(_counted(), pk=collection_id)


@router.get("/collections", response=list[CollectionOut], summary="The collections, by name")
@api_requires("artwork.view_collection")
def collection_list(request):
    return _counted()


@router.post("/collections", response={201: CollectionOut, **ERRORS},
             summary="Make a collection (422: the name is taken)")
@api_requires("artwork.add_collection")
def collection_create(request, payload: CollectionIn):
    created = collections.collection_create(name=payload.name)
    return Status(201, _collection(created.pk))


@router.get("/collections/{collection_id}", response={200: CollectionOut, **ERRORS})
@api_requires("artwork.view_collection")
def collection_detail(request, collection_id: RowId):
    return _collection(collection_id)


@router.patch("/collections/{collection_id}", response={200: CollectionOut, **ERRORS},
              summary="Rename a collection")
@api_requires("artwork.change_collection")
def collection_rename(request, collection_id: RowId, payload: CollectionIn):
    collections.collection_rename(collection=_collection(collection_id), name=payload.name)
    return _collection(collection_id)


@router.delete("/collections/{collection_id}", response={204: None, **ERRORS},
               summary="Delete a collection; its artworks stay in the library")
@api_requires("artwork.delete_collection")
def collection_delete(request, collection_id: RowId):
    collections.collection_delete(collection=_collection(collection_id))
    return Status(204, None)


@router.post("/collections/{collection_id}/artworks", response={200: CollectionChangeOut,
                                                               **ERRORS},
             summary="Put artworks in a collection (404 if one of them does not exist)")
@api_requires("artwork.change_collection")
def collection_add(request, collection_id: RowId, payload: ArtworkIdsIn):
    collection = _collection(collection_id)
    added = collections.collection_add(
        collection=collection, artworks=collections.artworks_by_id(ids=payload.artwork_ids))
    return {"detail": f"{added} artwork(s) added to “{collection}”.", "changed": added,
            "collection": _collection(collection_id)}


@router.post("/collections/{collection_id}/artworks/remove",
             response={200: CollectionChangeOut, **ERRORS},
             summary="Take artworks out of a collection (they stay in the library)")
@api_requires("artwork.change_collection")
def collection_remove(request, collection_id: RowId, payload: ArtworkIdsIn):
    collection = _collection(collection_id)
    removed = collections.collection_remove(collection=collection,
                                            artworks=payload.artwork_ids)
    return {"detail": f"{removed} artwork(s) taken out of “{collection}”.", "changed": removed,
            "collection": _collection(collection_id)}


@router.put("/artwork/{artwork_id}/favourite", response={200: ArtworkOut, **ERRORS},
            tags=["artwork"], summary="Star or unstar an artwork, and mark it keep")
@api_requires("artwork.change_artwork")
def artwork_favourite(request, artwork_id: RowId, payload: FavouriteIn):
    get_object_or_404(Artwork, pk=artwork_id)
    if payload.keep and not payload.favourite:
        return Status(422, {"detail": "Only a favourite can be kept: send favourite true."})
    artworks = [artwork_id]
    collections.artwork_favourite(artworks=artworks, favourite=payload.favourite)
    collections.artwork_keep(artworks=artworks, keep=payload.keep)
    return Artwork.objects.prefetch_related("placements__tv", "collections").get(pk=artwork_id)
