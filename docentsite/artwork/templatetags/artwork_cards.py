from django import template
from django.contrib.admin.templatetags.admin_list import admin_list_filter
from django.utils.encoding import iri_to_uri
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from docentsite.artwork import cards

register = template.Library()


@register.simple_tag
def artwork_cards(artworks, gallery) -> SafeString:
    """{% artwork_cards cl.result_list cl.gallery %}: the page's cards, in one tag rather
    than a loop of a hundred."""
    return mark_safe("".join([cards.card_html(artwork, gallery) for artwork in artworks]))  # noqa: S308 - each card is safe (cards.card_html)


@register.simple_tag
def artwork_picture_url(artwork, field="thumbnail") -> str:
    """{% artwork_picture_url artwork %}: its thumbnail's address with its version, as the
    gallery's cards give it (cards.picture_url); `"image"` for the prepared JPEG."""
    return cards.picture_url(artwork, field)


_SELECTED = mark_safe(' class="selected"')


@register.simple_tag
def artwork_filter(changelist, spec) -> SafeString:
    """{% artwork_filter cl spec %}: what the admin's {% admin_list_filter %} writes
    with admin/filter.html, in a third of the time (the sidebar's seven filters took a
    tenth of the page). The filters' own templates are admin/filter.html, so the markup
    filters.js reads is the same."""
    if spec.template != "admin/filter.html":
        return admin_list_filter(changelist, spec)
    items = format_html_join(
        "\n", '<li{}><a href="{}">{}</a></li>',
        ((_SELECTED if choice["selected"] else "", iri_to_uri(choice["query_string"]),
          choice["display"]) for choice in spec.choices(changelist)))
    by = _(" By %(filter_title)s ") % {"filter_title": escape(spec.title)}
    return format_html('<details data-filter-title="{}" open>\n<summary>{}</summary>\n'
                       "<ul>\n{}\n</ul>\n</details>\n", spec.title, mark_safe(by), items)  # noqa: S308 - the title escaped
