"""The crop editor on an artwork's page: its original with a 16:9 box, and Save.

ArtworkAdmin.get_urls adds these pages; the box itself is static/artwork/crop.js.
"""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from docentsite.artwork import cropping, framing, reframe
from docentsite.artwork.errors import DocentError
from docentsite.artwork.framing import FramingRejected
from docentsite.artwork.models import Artwork, CropSource, Framing
from docentsite.permissions import denied

CHANGE = "artwork.change_artwork"


class CropEditor:
    """The editor's pages, for the artwork admin they belong to."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self) -> list:
        wrap = self.model_admin.admin_site.admin_view
        return [
            path("<int:pk>/crop/", wrap(self.crop_view), name="artwork_artwork_crop"),
            path("<int:pk>/crop/original/", wrap(self.original_view, cacheable=True),
                 name="artwork_artwork_crop_original"),
        ]

    def crop_view(self, request, pk):
        if not request.user.has_perm(CHANGE):
            raise PermissionDenied(denied([CHANGE]))
        artwork = get_object_or_404(Artwork, pk=pk)
        error = box = opinion = None
        asked = request.method == "POST" and "second_opinion" in request.POST
        if asked:
            # Asks the model and changes nothing: its box is the start, for the owner
            # to adjust and Save.
            opinion = framing.artwork_crop_second_opinion(artwork=artwork)
        elif request.method == "POST" and "framing" in request.POST:
            try:
                artwork, asked = reframe.artwork_reframe_on_tvs(
                    artwork_id=artwork.pk, framing_to=request.POST["framing"])
            except DocentError as exc:
                self.model_admin.message_user(request, f"Not framed again: {exc}",
                                              messages.ERROR)
            else:
                self._saved(request, artwork, asked,
                            f"“{artwork}” is framed again: {artwork.get_framing_display()}")
            return redirect("admin:artwork_artwork_crop", artwork.pk)
        elif request.method == "POST":
            box = {key: request.POST.get(key) for key in ("x", "y", "w", "h")}
            try:
                artwork, asked = reframe.artwork_recrop(artwork_id=artwork.pk, box=box)
            except DocentError as exc:
                error = str(exc)
            else:
                self._saved(request, artwork, asked)
                return redirect("admin:artwork_artwork_crop", artwork.pk)
        try:
            start = cropping.crop_editor_start(artwork=artwork)
        except FramingRejected as exc:
            return self._page(request, artwork, unavailable=str(exc),
                              status=400 if error else 200)
        current = opinion or start.current
        if box is not None:
            # The box as it was sent, where it can be drawn, so the owner adjusts it.
            with contextlib.suppress(DocentError):
                current = cropping.box_checked(box, width=start.width, height=start.height)
        return self._page(request, artwork, start=start, current=current, error=error,
                          opinion=opinion, no_opinion=asked and opinion is None,
                          status=400 if error else 200)

    def _saved(self, request, artwork, asked, text: str = "") -> None:
        """Saved: the TVs' part is their lanes', and this page follows it."""
        text = text or f"“{artwork}” is cropped to the new box and prepared again"
        if asked:
            text = f"{text}; replacing it on {reframe.tv_names(asked)}…"
        self.model_admin.message_user(request, f"Saved: {text}" if asked else f"{text}.",
                                      messages.SUCCESS)

    def _page(self, request, artwork, *, start=None, current=None, error=None,
              unavailable=None, opinion=None, no_opinion=False, status=200):
        opts = Artwork._meta
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": opts, "artwork": artwork, "original": artwork, "title": "Fix the crop",
            "start": start, "current": current, "error": error, "unavailable": unavailable,
            "manual": (artwork.crop_box or {}).get("source") == CropSource.MANUAL,
            "opinion": opinion,
            "framings": [(value, label) for value, label in Framing.choices
                         if value != artwork.framing],
            "no_opinion": no_opinion, "can_ask": settings.AI_PROVIDER != "none",
            "on_tvs": reframe.replacements_said(artwork_id=artwork.pk),
        }
        return TemplateResponse(request, "admin/artwork/artwork/crop.html", context,
                                status=status)

    def original_view(self, request, pk):
        """A display-size copy of the original, upright: what the box is drawn on."""
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied(denied(["artwork.view_artwork"]))
        artwork = get_object_or_404(Artwork, pk=pk)
        if not artwork.original:
            raise Http404
        try:
            data = cropping.display_copy(artwork.original.path)
        except (OSError, ValueError) as exc:
            raise Http404 from exc
        response = HttpResponse(data, content_type="image/jpeg")
        # Private: behind the admin login. The original never changes.
        response["Cache-Control"] = "private, max-age=86400"
        return response
