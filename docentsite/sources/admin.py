"""The records of the sources that keep none of their own: one list, filtered by source
(each source's "records" link on the status page), with retry and re-analyze."""

from django.contrib import admin
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator

from docentsite.artwork import placements
from docentsite.sources import imports
from docentsite.sources.models import SourceImport
from docentsite.sources.registry import source_get, source_label, sources


def waiting_text(row) -> str:
    """Why a step waits and when it is tried again, or a dash."""
    if not row.waiting_reason:
        return "—"
    if row.next_attempt_at is None:
        return row.waiting_reason
    when = date_format(timezone.localtime(row.next_attempt_at), "H:i:s")
    return f"{row.waiting_reason} Next try at {when}."


def summary(result: imports.ImportRequestResult) -> str:
    """"3 import(s) queued, 1 skipped (already imported)." for an admin message."""
    parts = [f"{len(result.queued)} import(s) queued"]
    if result.skipped:
        reasons = "; ".join(sorted({item["reason"].split(" as ")[0] for item in result.skipped}))
        parts.append(f"{len(result.skipped)} skipped ({reasons})")
    if result.errors:
        parts.append(f"{len(result.errors)} could not be imported")
    return ", ".join(parts) + "."


class SourceFilter(admin.SimpleListFilter):
    title = "source"
    parameter_name = "source__exact"

    def lookups(self, request, model_admin):
        present = model_admin.get_queryset(request).order_by().values_list(
            "source", flat=True).distinct()
        return [(key, source_label(key)) for key in sorted(present)]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


class ImportRecordAdminMixin:
    """What every source's import records show and do in the admin: the error, note,
    wait and TV columns, and the retry and re-analyze actions. Records are made by
    imports, never by hand."""

    actions = ("retry", "reanalyze")

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # "On the TV as" reads each artwork's placements.
        return super().get_queryset(request).prefetch_related("artwork__placements__tv")

    @admin.display(description="Error", ordering="last_error")
    def error(self, record):
        return Truncator(record.last_error).chars(120) or "—"

    @admin.display(description="Note", ordering="note")
    def note_text(self, record):
        return record.note or "—"

    @admin.display(description="Waiting", ordering="next_attempt_at")
    def waiting(self, record):
        return waiting_text(record)

    @admin.display(description="On the TV as")
    def content_id(self, record):
        return placements.shown_as(record.artwork)

    def by_source(self, queryset):
        """(source, its records) for the sources of `queryset`'s records."""
        if self.model is SourceImport:
            keys = queryset.order_by().values_list("source", flat=True).distinct()
            found = [(source_get(key), key) for key in keys]
            return [(source, queryset.filter(source=key)) for source, key in found if source]
        return [(source, queryset) for source in sources() if source.record_model is self.model]

    @admin.action(description="Retry failed or stalled imports", permissions=["change"])
    def retry(self, request, queryset):
        result = imports.ImportRequestResult()
        for source, records in self.by_source(queryset):
            each = imports.source_import_retry(source=source, records=records)
            result.queued += each.queued
            result.skipped += each.skipped
            result.errors += each.errors
        ignored = queryset.count() - len(result.queued) - len(result.skipped) - len(
            result.errors)
        note = f" {ignored} neither failed nor stalled, left as they are." if ignored else ""
        self.message_user(request, summary(result) + note)

    @admin.action(description="Re-analyze with the vision model", permissions=["change"])
    def reanalyze(self, request, queryset):
        count = imports.source_import_reanalyze(records=queryset)
        ignored = queryset.count() - count
        note = f" {ignored} without a prepared picture yet, left as they are." if ignored else ""
        self.message_user(request, f"{count} artwork(s) queued for analysis.{note}")


@admin.register(SourceImport)
class SourceImportAdmin(ImportRecordAdminMixin, admin.ModelAdmin):
    list_display = ("title_or_ref", "source_name", "status", "step", "error", "note_text",
                    "waiting", "attempts", "content_id", "requested_at", "finished_at")
    list_filter = (SourceFilter, "status", "step", "requested_at")
    search_fields = ("ref", "title", "last_error")
    list_select_related = ("artwork",)
    date_hierarchy = "requested_at"
    readonly_fields = [field.name for field in SourceImport._meta.fields]

    @admin.display(description="Picture", ordering="title")
    def title_or_ref(self, record):
        return record.title or record.ref

    @admin.display(description="Source", ordering="source")
    def source_name(self, record):
        return source_label(record.source)
