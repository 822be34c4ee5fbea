"""One card's buttons in the gallery: show now, remove, put back, matte, the star.

Each is one click, or one question (which TVs, which matte: the actions' pages,
admin_actions.py) and a click. ArtworkAdmin.get_urls adds these pages.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst

from docentsite.artwork import admin_actions, collections, matte_change, placements, tvs
from docentsite.artwork.errors import DocentError
from docentsite.artwork.forms import MatteForm, TVsForm
from docentsite.artwork.models import TV, Artwork
from docentsite.permissions import denied


class CardButtons:
    """The buttons' pages, for the artwork admin they belong to."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self) -> list:
        wrap = self.model_admin.admin_site.admin_view
        return [
            path("<int:pk>/show/", wrap(self.show_view), name="artwork_artwork_show"),
            path("<int:pk>/remove/", wrap(self.remove_view), name="artwork_artwork_remove"),
            path("<int:pk>/put-back/", wrap(self.put_back_view),
                 name="artwork_artwork_put_back"),
            path("<int:pk>/matte/", wrap(self.matte_view), name="artwork_artwork_matte"),
            path("<int:pk>/favourite/", wrap(self.favourite_view),
                 name="artwork_artwork_favourite"),
        ]

    def _card(self, request, pk) -> Artwork:
        if not self.model_admin.has_change_permission(request):
            raise PermissionDenied(denied(["artwork.change_artwork"]))
        return get_object_or_404(Artwork, pk=pk)

    def show_view(self, request, pk):
        artwork = self._card(request, pk)
        shown_on = TV.objects.filter(pk__in=[p.tv_id for p in artwork.shown])
        chosen = [None]
        if len(shown_on) > 1:
            # On several TVs: which? Each shows it only if it is in Art Mode.
            form = TVsForm(request.POST if "apply" in request.POST else None, tvs=shown_on)
            if not form.is_valid():
                return self._which_tvs(
                    request, pk, form, title="Show on TV now",
                    question=f"Show “{artwork}” on which TVs now? A TV someone is watching "
                             "is left alone.",
                    submit="Show on these TVs")
            chosen = list(form.cleaned_data["tvs"])
        if request.method == "POST":
            for tv in chosen:
                self._show(request, artwork, tv)
        return redirect("admin:artwork_artwork_changelist")

    def _which_tvs(self, request, pk, form, **words):
        """The page asking which of the TVs a card's picture is on, posting back here."""
        artworks = Artwork.objects.filter(pk=pk).prefetch_related("placements__tv")
        return admin_actions.tvs_page(self.model_admin, request, form, artworks,
                                      post_to=request.path, **words)

    def _show(self, request, artwork, tv):
        try:
            shown = placements.artwork_show_now(artwork_id=artwork.pk, tv=tv)
        except DocentError as exc:
            self.model_admin.message_user(request, f"“{artwork}” not shown: {exc}",
                                          messages.WARNING)
        else:
            self.model_admin.message_user(request, f"{capfirst(tvs.tv_called(shown.tv))} now shows "
                                          f"“{artwork}”.")

    def remove_view(self, request, pk):
        artwork = self._card(request, pk)
        shown_on = TV.objects.filter(pk__in=[p.tv_id for p in artwork.shown])
        if len(shown_on) > 1:
            # On several TVs: which? (All of them, unless the owner unticks some.)
            form = TVsForm(request.POST if request.method == "POST" else None, tvs=shown_on,
                           initial={"tvs": list(shown_on)})
            if not form.is_valid():
                return self._which_tvs(
                    request, pk, form, title="Remove from TV",
                    question=f"Take “{artwork}” off which TVs? Docent keeps the picture: its card "
                             "stays in the gallery with Put back.",
                    submit="Remove from these TVs")
            chosen = list(form.cleaned_data["tvs"])
        elif request.method != "POST":
            context = {**self.model_admin.admin_site.each_context(request), "artwork": artwork,
                       "opts": self.model_admin.model._meta, "title": "Remove from TV"}
            return TemplateResponse(request, "admin/artwork/artwork/remove_from_tv.html",
                                    context)
        else:
            chosen = None
        try:
            result = placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=pk),
                                                       tvs_chosen=chosen)
        except DocentError as exc:
            self.model_admin.message_user(request, f"Nothing was removed: {exc}", messages.ERROR)
        else:
            if result.removed or result.already_gone:
                self.model_admin.message_user(
                    request, f"“{artwork}” is off the TV and stays in Docent: “Put back” on its "
                    "card puts it on the TV again.")
            else:
                admin_actions.remove_messages(self.model_admin, request, result)
        return redirect("admin:artwork_artwork_changelist")

    def put_back_view(self, request, pk):
        artwork = self._card(request, pk)
        if request.method == "POST":
            try:
                placements.artwork_put_back(artwork_id=artwork.pk)
            except DocentError as exc:
                self.model_admin.message_user(request, f"Not put back: {exc}", messages.ERROR)
            else:
                self.model_admin.message_user(
                    request, f"“{artwork}” is on its way back to the TV. Its card updates by "
                    "itself.")
        return redirect("admin:artwork_artwork_changelist")

    def favourite_view(self, request, pk):
        # The card's star: POST favourite=1 stars it, favourite=0 unstars it.
        artwork = self._card(request, pk)
        if request.method == "POST":
            collections.artwork_favourite(artworks=[artwork],
                                          favourite=request.POST.get("favourite") == "1")
        # Back to the page the star was on, with its filters.
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("admin:artwork_artwork_changelist")
        return redirect(back)

    def matte_view(self, request, pk):
        # The matte question for one card; it answers to the "Change matte" action.
        artwork = self._card(request, pk)
        try:
            offered = admin_actions.mattes_offered(
                matte_change.matte_tv(Artwork.objects.filter(pk=pk)), Artwork.objects.filter(pk=pk))
        except DocentError as exc:
            self.model_admin.message_user(request, f"No matte was changed: {exc}", messages.ERROR)
            return redirect("admin:artwork_artwork_changelist")
        return admin_actions.matte_page(self.model_admin, request,
                                        Artwork.objects.filter(pk=artwork.pk),
                                        MatteForm(mattes=offered), offered, [str(artwork.pk)])
