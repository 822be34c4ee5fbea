from django import template
from django.utils.safestring import SafeString, mark_safe

from docentsite.artwork import cards

register = template.Library()


@register.simple_tag
def artwork_cards(artworks, gallery) -> SafeString:
    """{% artwork_cards cl.result_list cl.gallery %}: the page's cards, in one tag rather
    than a loop of a hundred."""
    return mark_safe("".join([cards.card_html(artwork, gallery) for artwork in artworks]))  # noqa: S308 - each card is safe (cards.card_html)
