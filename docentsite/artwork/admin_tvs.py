"""The TVs page of the admin: add a Frame, pair with it, ask it how it is.

The TV of TV_HOST in .env is shown with what .env sets read-only: .env wins on
every start. A TV's token is a file Docent keeps; no page names it or its path.
"""

from datetime import time

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from docentsite import health
from docentsite.artwork import capacity, frametv, matte_fit, rotation, tvs
from docentsite.artwork.errors import DocentError, Rejected
from docentsite.artwork.models import TV, Rotation, RotationOutcome
from docentsite.permissions import denied

#: What TV_HOST, TV_PORT, TV_MATTE and TV_NAME set on the .env TV.
FROM_ENV = ("name", "host", "port", "matte")
LEARNED = ("model_name", "art_api_version", "resolution", "photo_count", "full_at",
           "last_seen_at")
#: How many pictures Docent lets the TV hold, and what it does when it holds them.
ROOM = ("capacity", "make_room")


class TVForm(forms.ModelForm):
    class Meta:
        model = TV
        fields = ("name", "host", "port", "matte", "portrait_matte", "framing", "enabled", *ROOM)

    def clean_name(self):
        # tv_get finds TVs by name whatever the case: two may not differ by case alone.
        name = self.cleaned_data["name"].strip()
        taken = TV.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"There is already a TV called {taken[0].name!r}.")
        return name

    def clean_host(self):
        return self.cleaned_data["host"].strip()

    def clean_matte(self):
        return self._suiting("matte", portrait=False)

    def clean_portrait_matte(self):
        return self._suiting("portrait_matte", portrait=True)

    def _suiting(self, field, *, portrait):
        # Only a matte the TV shows around a picture prepared at its panel's size.
        matte_id = self.cleaned_data[field].strip()
        if not matte_id:
            return matte_id
        problem = matte_fit.default_matte_problem(tv=self.instance, matte_id=matte_id,
                                                  portrait=portrait)
        if problem:
            raise forms.ValidationError(problem)
        return matte_id


class RotationForm(forms.ModelForm):
    class Meta:
        model = Rotation
        fields = rotation.SETTINGS
        widgets = {"at": forms.TimeInput(format="%H:%M", attrs={"type": "time"})}

    def clean(self):
        cleaned = super().clean()
        # What this pool and schedule do not use is cleared, not refused.
        for name in rotation.unused_settings(pool=cleaned.get("pool"),
                                             every=cleaned.get("every")):
            cleaned[name] = None
        return cleaned


def paired(tv: TV) -> bool | None:
    """Whether Docent holds the TV's permission; None when it has no address yet."""
    try:
        return tvs.frame_of(tv).has_token()
    except frametv.TVUnavailable:
        return None


@admin.register(TV)
class TVAdmin(admin.ModelAdmin):
    form = TVForm
    list_display = ("name", "host", "port", "enabled", "is_paired", "used",
                    "last_seen_at")
    list_display_links = ("name",)
    readonly_fields = ("from_env", *LEARNED, "mattes_refused")
    actions = ("check_now",)
    change_form_template = "admin/artwork/tv/change_form.html"

    def get_fieldsets(self, request, obj=None):
        where = {"fields": ("name", "host", "port", "matte", "portrait_matte", "framing",
                            "enabled")}
        if obj is not None and obj.from_env:
            where["description"] = (
                "This TV is set in .env (TV_NAME, TV_HOST, TV_PORT, TV_MATTE): change its name, "
                "address and matte there and restart Docent.")
        room = {"fields": ROOM, "description": (
            "Before every upload Docent counts the pictures in the TV's My Photos. At the "
            "capacity, the picture waits for you (“needs attention”), or with rotation "
            "Docent first removes the picture it put there longest ago.")}
        return ((None, where), ("Capacity", room),
                ("What Docent last learned from the TV",
                 {"fields": (*LEARNED, "mattes_refused")}))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "capacity" in form.base_fields:
            form.base_fields["capacity"].help_text = (
                f"{form.base_fields['capacity'].help_text} {capacity.capacity_hint(obj)}")
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.from_env:
            return (*FROM_ENV, *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # .env would bring it back on the next start.
        if obj is not None and obj.from_env:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="Pictures (used of capacity)", ordering="photo_count")
    def used(self, tv):
        return capacity.used_of(tv)

    @admin.display(description="Mattes it refused")
    def mattes_refused(self, tv):
        # Not offered again for pictures of that shape; forgotten when its firmware changes.
        refused = [f"{r.matte_id} ({r.shape})" for r in tv.refused_mattes.all()]
        return ", ".join(refused) or "None"

    @admin.display(description="Paired", boolean=True)
    def is_paired(self, tv):
        return paired(tv)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/pair/", wrap(self.pair_view), name="artwork_tv_pair"),
            path("<int:pk>/check/", wrap(self.check_view), name="artwork_tv_check"),
            path("<int:pk>/rotation/", wrap(self.rotation_view), name="artwork_tv_rotation"),
            path("<int:pk>/rotate/", wrap(self.rotate_view), name="artwork_tv_rotate"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        # The TV of .env is listed from the first look, not once something used it.
        tvs.tv_from_env()
        return super().changelist_view(request, {"title": "TVs", **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        tv = self.get_object(request, object_id)
        extra = {"pairing_wait": tvs.PAIRING_WAIT,
                 "tv_paired": paired(tv) if tv is not None else None,
                 "can_pair": request.user.has_perm("artwork.pair_tv"),
                 "rotation_runs": rotation.last_runs(tv=tv, count=5) if tv else [],
                 "rotation_card": rotation.rotation_card(
                     Rotation.objects.filter(tv=tv).first()) if tv else ""}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def pair_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("artwork.pair_tv"):
            raise PermissionDenied(denied(["artwork.pair_tv"]))
        tv = get_object_or_404(TV, pk=pk)
        try:
            tvs.tv_pair(tv=tv)
        except DocentError as exc:
            self.message_user(request, f"Not paired with {tv.name}: {exc}", messages.ERROR)
        else:
            self.message_user(request, f"Paired: {tv.name} allowed Docent, and remembers it.")
        return redirect("admin:artwork_tv_change", tv.pk)

    def check_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied(denied(["artwork.view_tv"]))
        tv = get_object_or_404(TV, pk=pk)
        self._say(request, tv, health.check_tv(tv, name=tv.name))
        return redirect("admin:artwork_tv_change", tv.pk)

    @admin.action(description="Check now: ask the TV how it is", permissions=["view"])
    def check_now(self, request, queryset):
        for tv in queryset:
            self._say(request, tv, health.check_tv(tv, name=tv.name))

    def _say(self, request, tv, check):
        level = messages.SUCCESS if check.ok else messages.WARNING
        self.message_user(request, f"{tv.name}: {check.detail}", level)

    def rotation_view(self, request, pk):
        """A TV's rotation: its settings (saved by POST), what the next run would add and
        remove when asked (?preview=1; reads only, no TV is asked), Rotate now and the
        history."""
        if not self.has_view_permission(request):
            raise PermissionDenied(denied(["artwork.view_tv"]))
        tv = get_object_or_404(TV, pk=pk)
        can_change = self.has_change_permission(request, tv)
        current = Rotation.objects.filter(tv=tv).first()
        form = RotationForm(instance=current or Rotation(tv=tv, at=time(8, 0)))
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied(denied(["artwork.change_tv"]))
            form = RotationForm(request.POST, instance=current or Rotation(tv=tv))
            if form.is_valid():
                try:
                    saved = rotation.rotation_save(rotation=form.save(commit=False))
                except Rejected as exc:
                    form.add_error(None, str(exc))
                else:
                    card = rotation.rotation_card(saved).rstrip(".")
                    self.message_user(request, f"Rotation of {tv.name} saved: {card}.")
                    return redirect("admin:artwork_tv_rotation", tv.pk)
        plan = None
        if current is not None and request.GET.get("preview"):
            plan = rotation.rotation_plan(tv=tv)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "tv": tv,
                   "title": f"Rotation of {tv.name}", "form": form, "rotation": current,
                   "plan": plan, "card": rotation.rotation_card(current),
                   "runs": rotation.last_runs(tv=tv, count=rotation.HISTORY),
                   "can_change": can_change}
        return TemplateResponse(request, "admin/artwork/tv/rotation.html", context)

    def rotate_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        tv = get_object_or_404(TV, pk=pk)
        if not self.has_change_permission(request, tv):
            raise PermissionDenied(denied(["artwork.change_tv"]))
        try:
            run = rotation.rotation_run(tv=tv)
        except DocentError as exc:
            self.message_user(request, f"{tv.name}: {exc}", messages.ERROR)
        else:
            level = (messages.SUCCESS if run.outcome == RotationOutcome.DONE
                     else messages.WARNING)
            self.message_user(request, f"{tv.name}: {run.why}", level)
        return redirect("admin:artwork_tv_rotation", tv.pk)
