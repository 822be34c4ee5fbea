from django import template

from docentsite.artwork import cards

register = template.Library()


@register.simple_tag
def artwork_card(artwork, gallery):
    """{% artwork_card artwork cl.gallery %}: the artwork's card in the gallery."""
    return cards.card_html(artwork, gallery)
