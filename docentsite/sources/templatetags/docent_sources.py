"""The sources for a template that is not a view's (the admin's home, the gallery):
{% docent_sources as sources %}, and a picture's source by name."""

from django import template
from django.urls import reverse

from docentsite.sources import registry

register = template.Library()


@register.simple_tag
def docent_sources() -> list[dict]:
    """Each source with a browse page: its key, label, blurb, page URL and the
    permission its import needs (`{% if source.permission in perms %}`)."""
    return [{"key": source.key, "label": source.label, "blurb": source.browse_blurb,
             "url": reverse(source.browse_url), "permission": source.import_permission}
            for source in registry.sources() if source.browse_url]


@register.filter
def source_label(key: str) -> str:
    """"google_drive" -> "Google Drive"; "upload" -> "Direct upload"."""
    return registry.source_label(key)
