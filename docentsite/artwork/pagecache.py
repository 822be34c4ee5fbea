"""What the gallery page writes the same on every request, rendered once a process.

The admin renders the actions' select through the form templates, a template per
option and per attribute (2 ms of a 20 ms page), and merges the page's scripts in a
topological sort on every request. Both depend on nothing a request changes but the
choices, which the key holds.
"""

import functools

from django import forms
from django.contrib.admin import helpers
from django.utils.translation import get_language

#: Renderings kept a process, beyond which they are dropped and made again.
_MOST = 256


class Remembered:
    """A widget rendered once for each name, value, attributes and choices."""

    _rendered: dict = {}

    def render(self, name, value, attrs=None, renderer=None):
        key = (type(self), name, str(value), repr(sorted((attrs or {}).items())),
               repr(sorted(self.attrs.items())),
               tuple((str(v), str(label)) for v, label in getattr(self, "choices", ())),
               get_language())
        html = self._rendered.get(key)
        if html is None:
            if len(self._rendered) >= _MOST:
                self._rendered.clear()
            html = self._rendered[key] = super().render(name, value, attrs, renderer)
        return html


class RememberedSelect(Remembered, forms.Select):
    pass


class RememberedHiddenInput(Remembered, forms.HiddenInput):
    pass


class ActionForm(helpers.ActionForm):
    """The admin's action form, its two widgets remembered."""

    action = forms.ChoiceField(label=helpers.ActionForm.base_fields["action"].label,
                               widget=RememberedSelect)
    select_across = forms.BooleanField(
        label="", required=False, initial=0,
        widget=RememberedHiddenInput({"class": "select-across"}))


@functools.cache
def media(model_admin) -> dict[str, str]:
    """The changelist's scripts and styles as the admin merges them (the model admin's,
    then the action form's), rendered: what change_list.html writes as media.js and
    media.css."""
    merged = model_admin.media + ActionForm().media
    return {"js": merged["js"].render(), "css": merged["css"].render()}
