"""The gallery's actions on the pictures ticked, and the pages that ask first (which
TVs, which matte, which collection): each calls a service and says what it did.

Functions, as Django calls an action: with the model admin, the request and the
queryset. A card's buttons ask the same questions (admin_cards.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.template.response import TemplateResponse
from django.urls import reverse

from docentsite.artwork import collections, matte_change, matte_fit, mattes, placements, services
from docentsite.artwork.errors import DocentError
from docentsite.artwork.forms import CollectionChoiceForm, MatteForm, TVsForm, enabled_tvs
from docentsite.artwork.models import TV, Collection, Placement, PlacementStatus


@admin.action(description="Delete selected artworks", permissions=["delete"])
def delete_selected(model_admin, request, queryset):
    # Refused before Django's confirmation page, which would promise a deletion.
    on_tv = list(queryset.filter(placements__status__in=placements.ON_TV_STATUSES).distinct())
    if on_tv:
        model_admin.message_user(request, on_tv_message(on_tv) + " Nothing was deleted.",
                                 messages.ERROR)
        return None
    return django_delete_selected(model_admin, request, queryset)


@admin.action(description="Re-analyze with the vision model", permissions=["change"])
def reanalyze(model_admin, request, queryset):
    count = services.artwork_reanalyze(artworks=queryset)
    model_admin.message_user(request, f"{count} artwork(s) queued for analysis.")


@admin.action(description="Send to TV…", permissions=["change"])
def send_to_tv(model_admin, request, queryset):
    form = TVsForm(request.POST if "apply" in request.POST else None, tvs=enabled_tvs())
    if not form.is_valid():
        return tvs_page(
            model_admin, request, form, queryset, title="Send to TV", action="send_to_tv",
            question="Send the selected pictures to which TVs? A picture already on a TV "
                     "stays as it is there; one removed from it goes back.",
            submit="Send to these TVs")
    chosen = list(form.cleaned_data["tvs"])
    try:
        queued = placements.artwork_place(artworks=queryset, tvs_wanted=chosen)
    except DocentError as exc:
        model_admin.message_user(request, f"Nothing was sent: {exc}", messages.ERROR)
        return None
    names = ", ".join(tv.name for tv in chosen)
    skipped = len(queryset) * len(chosen) - queued
    already = f"; {skipped} already there or on the way" if skipped else ""
    model_admin.message_user(request, f"{queued} picture(s) queued for {names}{already}. Their "
                             "cards update as they go.")
    return None


def tvs_page(model_admin, request, form, artworks, *, title, question, submit, action="",
             post_to=None):
    context = {**model_admin.admin_site.each_context(request), "form": form,
               "artworks": artworks, "opts": model_admin.model._meta, "title": title,
               "question": question, "submit": submit, "action": action,
               "post_to": post_to or reverse("admin:artwork_artwork_changelist"),
               "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)}
    return TemplateResponse(request, "admin/artwork/artwork/choose_tvs.html", context)


@admin.action(description="Remove from TV", permissions=["change"])
def remove_from_tv(model_admin, request, queryset):
    chosen = None
    shown_on = TV.objects.filter(placements__artwork__in=queryset,
                                 placements__status="on_tv").distinct()
    if len(shown_on) > 1:
        form = TVsForm(request.POST if "apply" in request.POST else None, tvs=shown_on,
                       initial={"tvs": list(shown_on)})
        if not form.is_valid():
            return tvs_page(
                model_admin, request, form, queryset, title="Remove from TV",
                action="remove_from_tv",
                question="Take the selected pictures off which TVs? Docent keeps them: "
                         "their cards stay in the gallery with Put back.",
                submit="Remove from these TVs")
        chosen = list(form.cleaned_data["tvs"])
    try:
        result = placements.artwork_remove_from_tv(artworks=queryset, tvs_chosen=chosen)
    except DocentError as exc:
        model_admin.message_user(request, f"Nothing was removed: {exc}", messages.ERROR)
        return
    remove_messages(model_admin, request, result)


def remove_messages(model_admin, request, result):
    if result.removed:
        # After a stop, which ones were done matters.
        done = f": {_titles(result.removed)}" if result.stopped else ""
        model_admin.message_user(request, f"{len(result.removed)} artwork(s) removed from the "
                                 f"TV{done}.")
    if result.already_gone:
        gone = result.already_gone
        model_admin.message_user(request, f"{len(gone)} already gone from the TV (deleted there), "
                                 f"now marked removed: {_titles(gone)}.")
    if result.not_on_tv:
        model_admin.message_user(request, f"{len(result.not_on_tv)} not on the TV, left as they "
                                 "are.", messages.WARNING)
    for placement, reason in result.refused:
        model_admin.message_user(request, f"{placement.artwork}: not removed. {reason}",
                                 messages.WARNING)
    if result.stopped:
        model_admin.message_user(request, f"Nothing more was removed: {result.stopped} Not "
                                 f"reached: {_titles(result.left)}.", messages.ERROR)


@admin.action(description="Change matte", permissions=["change"])
def change_matte(model_admin, request, queryset):
    try:
        tv = matte_change.matte_tv(queryset)
        offered = mattes_offered(tv, queryset)
    except DocentError as exc:
        model_admin.message_user(request, f"No matte was changed: {exc}", messages.ERROR)
        return None
    form = MatteForm(request.POST if "apply" in request.POST else None, mattes=offered)
    if not form.is_valid():
        # Ask first: the page posts back here with `apply` and the chosen matte.
        return matte_page(model_admin, request, queryset, form, offered,
                          request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME))
    try:
        result = matte_change.artwork_change_matte(
            artworks=queryset, matte_id=form.cleaned_data["matte_id"], tv=tv)
    except DocentError as exc:
        model_admin.message_user(request, f"No matte was changed: {exc}", messages.ERROR)
        return None
    _matte_messages(model_admin, request, result, form.cleaned_data["matte_id"], tv)
    return None


def _matte_messages(model_admin, request, result, matte_id, tv):
    if result.changed:
        model_admin.message_user(request, f"Matte {mattes.matte_name(matte_id)} on "
                                 f"{len(result.changed)} picture(s).")
    if result.queued:
        # Its lane's work: the cards follow it.
        count = len(result.queued)
        model_admin.message_user(request, f"Changing the matte of {count} picture"
                                 f"{'' if count == 1 else 's'} on {tv.name}: each is sent again "
                                 f"with it, in {tv.name}'s own time.")
    if result.not_on_tv:
        model_admin.message_user(request, f"{len(result.not_on_tv)} not on the TV, left as they "
                                 "are.", messages.WARNING)
    for placement, reason in result.refused:
        model_admin.message_user(request, f"{placement.artwork}: {reason} Not every matte fits "
                                 "every picture: try another.", messages.WARNING)
    if result.stopped:
        model_admin.message_user(request, f"{len(result.left)} picture(s) not reached: "
                                 f"{result.stopped}", messages.ERROR)


def matte_page(model_admin, request, artworks, form, offered, selected):
    shown = artworks[0].shown if len(artworks) == 1 else []
    chosen = form["matte_id"].value() or (shown[0].matte_id if shown else "")
    context = {**model_admin.admin_site.each_context(request), "form": form,
               "artworks": artworks, "opts": model_admin.model._meta,
               "title": "Change matte", "action": "change_matte", "selected": selected,
               "styles": mattes.by_style(offered), "chosen": chosen,
               "upload_only": _upload_only(artworks)}
    return TemplateResponse(request, "admin/artwork/artwork/change_matte.html", context)


@admin.action(description="Add to collection…", permissions=["collect"])
def add_to_collection(model_admin, request, queryset):
    allow_new = request.user.has_perm("artwork.add_collection")
    form = CollectionChoiceForm(request.POST if "apply" in request.POST else None,
                                collections=Collection.objects.all(), allow_new=allow_new)
    if not form.is_valid():
        return _collection_page(
            model_admin, request, form, queryset, action="add_to_collection", submit="Add to it",
            question="Add the selected pictures to which collection? They stay in the "
                     "others they are in.")
    try:
        collection = form.cleaned_data["collection"] or collections.collection_named(
            name=form.cleaned_data["new_name"], create=True)
    except DocentError as exc:
        model_admin.message_user(request, f"Nothing was added: {exc}", messages.ERROR)
        return None
    added = collections.collection_add(collection=collection, artworks=queryset)
    model_admin.message_user(request, f"{added} picture(s) added to “{collection}”"
                             f"{'' if added == len(queryset) else '; the others were in it'}.")
    return None


@admin.action(description="Remove from collection…", permissions=["collect"])
def remove_from_collection(model_admin, request, queryset):
    form = CollectionChoiceForm(
        request.POST if "apply" in request.POST else None, allow_new=False,
        collections=Collection.objects.filter(artworks__in=queryset).distinct())
    if not form.is_valid():
        return _collection_page(
            model_admin, request, form, queryset, action="remove_from_collection",
            submit="Remove from it", question="Take the selected pictures out of which "
            "collection? They stay in the library and in the other collections.")
    collection = form.cleaned_data["collection"]
    removed = collections.collection_remove(collection=collection, artworks=queryset)
    model_admin.message_user(request, f"{removed} picture(s) taken out of “{collection}”.")
    return None


def _collection_page(model_admin, request, form, artworks, *, action, submit, question):
    context = {**model_admin.admin_site.each_context(request), "form": form,
               "artworks": artworks, "opts": model_admin.model._meta,
               "title": "Add to collection" if action == "add_to_collection"
               else "Remove from collection", "question": question,
               "submit": submit, "action": action,
               "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)}
    return TemplateResponse(request, "admin/artwork/artwork/choose_collection.html",
                            context)


@admin.action(description="Star as favourite", permissions=["change"])
def mark_favourite(model_admin, request, queryset):
    count = collections.artwork_favourite(artworks=queryset, favourite=True)
    model_admin.message_user(request, f"{count} picture(s) starred as favourite.")


@admin.action(description="Unstar favourite", permissions=["change"])
def unmark_favourite(model_admin, request, queryset):
    count = collections.artwork_favourite(artworks=queryset, favourite=False)
    model_admin.message_user(request, f"{count} picture(s) no longer a favourite.")


@admin.action(description="Retry failed or stalled uploads", permissions=["change"])
def retry(model_admin, request, queryset):
    count = services.artwork_retry(artworks=queryset)
    model_admin.message_user(request, f"{count} artwork(s) queued again.")


def on_tv_message(artworks) -> str:
    names = ", ".join(f"“{artwork}”" for artwork in artworks)
    return (f"{names}: on the TV (or on its way there), so not deleted. Use the action "
            "“Remove from TV” first; deleting it here would leave its picture on the TV.")


def _titles(items) -> str:
    """Artworks, or placements named by their artwork (one TV) or artwork and TV."""
    several = Placement.objects.values("tv").distinct().count() > 1
    return ", ".join(str(item.artwork) if isinstance(item, Placement) and not several
                     else str(item) for item in items)


def mattes_offered(tv, artworks) -> list[str]:
    """The TV's mattes that suit every one of the pictures."""
    # Pictures not on the TV are left as they are: their shape does not count.
    on_tv = artworks.filter(placements__tv=tv, placements__status=PlacementStatus.ON_TV)
    return matte_fit.mattes_suiting(tv=tv, offered=matte_change.matte_change_offer(tv=tv),
                                    artworks=on_tv if on_tv.exists() else artworks)


def _upload_only(artworks) -> str:
    """What the matte page says of a TV that takes a matte only with the picture."""
    tv = matte_change.matte_tv(artworks)
    return "" if tv is None or matte_fit.tv_changes_mattes(tv) else \
        matte_fit.upload_only_reason(tv)
