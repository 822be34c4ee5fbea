from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from docentsite.artwork.models import Artwork
from docentsite.artwork.schemas import ArtworkOut

router = Router(tags=["artwork"])


@router.get("/artwork", response=list[ArtworkOut])
@paginate(PageNumberPagination, page_size=50)
def artwork_list(request, status: str | None = None, source: str | None = None):
    artworks = Artwork.objects.order_by("-created_at")
    if status:
        artworks = artworks.filter(status=status)
    if source:
        artworks = artworks.filter(source=source)
    return artworks


@router.get("/artwork/{artwork_id}", response=ArtworkOut)
def artwork_detail(request, artwork_id: int):
    return get_object_or_404(Artwork, pk=artwork_id)
