"""The gallery's filters: by TV, by state on a TV, by collection, by source."""

from django.contrib import admin
from django.db import connection
from django.db.models import Exists, OuterRef

from docentsite.artwork.models import TV, Artwork, Collection, Placement, PlacementStatus, Source
from docentsite.sources import registry
from docentsite.sources.registry import source_label


def titled(title: str):
    """A choices filter under its own title: two fields are called "status" here."""
    class Titled(admin.ChoicesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class PresentSourceFilter(admin.SimpleListFilter):
    """Only the sources the library holds pictures from: no filter for one never used."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        # One probe a source, each answered from the source index at once: DISTINCT
        # reads the whole index, a time that grows with the library (0.6 ms at 10,000
        # pictures), and the ORM takes 1 ms to compile three Exists().
        keys = [Source.UPLOAD, *(source.key for source in registry.sources())]
        table = connection.ops.quote_name(Artwork._meta.db_table)
        column = connection.ops.quote_name(Artwork._meta.get_field("source").column)
        probe = f"EXISTS(SELECT 1 FROM {table} WHERE {column} = %s)"  # noqa: S608 - no input
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([probe] * len(keys)), keys)
            present = cursor.fetchone()
        return [(key, source_label(key)) for key, there in zip(keys, present, strict=True)
                if there]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


def gallery_tvs(request) -> list[TV]:
    """The TVs, read once a request: the gallery's TV filter and its cards both name them."""
    if not hasattr(request, "_gallery_tvs"):
        request._gallery_tvs = list(TV.objects.all())  # in order: the default TV first
    return request._gallery_tvs


# The status page links to a TV's pictures with both: ?placements__tv__id__exact=1&
# placements__status__exact=on_tv.
TV_PARAM, STATUS_PARAM = "placements__tv__id__exact", "placements__status__exact"


class OnTVFilter(admin.SimpleListFilter):
    """On one TV (with the "on a TV" state chosen, in that state there; else shown
    there), or shown on none.

    One condition on one placement: Django's two filters over placements__tv and
    placements__status would each join placements anew, and a picture on TV A and
    queued for TV B would pass "queued on TV A".
    """

    title = "TV"
    parameter_name = TV_PARAM

    def lookups(self, request, model_admin):
        return [(str(tv.pk), tv.name) for tv in gallery_tvs(request)] + [("none", "On no TV")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "none":
            return queryset.exclude(_placed(status=PlacementStatus.ON_TV))
        if not value.isdigit():
            return queryset.none()
        status = request.GET.get(STATUS_PARAM)
        if status not in PlacementStatus.values:
            status = PlacementStatus.ON_TV
        return queryset.filter(_placed(tv_id=int(value), status=status))


class PlacementStateFilter(admin.SimpleListFilter):
    """In this state on some TV; with a TV chosen, OnTVFilter asks it of that TV's alone."""

    title = "on a TV"
    parameter_name = STATUS_PARAM

    def lookups(self, request, model_admin):
        return PlacementStatus.choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value or (request.GET.get(TV_PARAM) or "").isdigit():
            return queryset
        return queryset.filter(_placed(status=value))


def _placed(**placement) -> Exists:
    return Exists(Placement.objects.filter(artwork=OuterRef("pk"), **placement))


class CollectionFilter(admin.SimpleListFilter):
    title = "collection"
    parameter_name = "collection"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Collection.objects.values_list("pk", "name")
                ] + [("none", "In no collection")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "none":
            return queryset.filter(collections__isnull=True)
        if not value.isdigit():
            return queryset.none()
        # One collection, one row per artwork at most (the pair is unique): no DISTINCT.
        return queryset.filter(collections__id=int(value))
