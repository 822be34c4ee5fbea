from django import forms
from django.conf import settings

from docentsite.artwork import matte_fit, services
from docentsite.artwork.errors import Rejected
from docentsite.artwork.mattes import by_style
from docentsite.artwork.models import TV, Collection, Framing
from docentsite.artwork.tvs import tvs_for_new_work


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        items = list(data) if isinstance(data, list | tuple) else [data]
        # An empty list must fail like a missing file: "This field is required."
        single = super().clean
        return [single(item, initial) for item in items or [None]]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Pictures",
        help_text="JPEG, PNG, HEIC, WebP, TIFF or GIF; as many as you like.",
        widget=MultipleFileInput(attrs={"accept": "image/*,.heic,.heif"}),
    )
    analyze = forms.BooleanField(
        label="Describe with the vision model", required=False,
        help_text="Uses the AI provider set in .env (AI_PROVIDER).",
    )
    allow_duplicates = forms.BooleanField(
        label="Upload pictures already in the library anyway", required=False,
    )
    tvs = forms.ModelMultipleChoiceField(
        label="Send to", queryset=TV.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one TV."},
        help_text="The TVs the pictures go to.",
    )
    framing = forms.ChoiceField(
        label="Framing", required=False,
        choices=[("", "As the TV or the default says"), *Framing.choices],
        help_text="Fill crops to 16:9 around what matters; fit shows the whole picture on "
                  "a matte colour; by default portrait pictures are fitted.",
    )
    matte = forms.ChoiceField(
        label="Matte", required=False,
        help_text="A TV puts a matte only around a picture of exactly its panel's size; where "
                  "the matte does not suit a picture, it gets the TV's default matte or none, "
                  "and its row in the gallery says why.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analyze"].initial = services.analyze_by_default()
        self.max_mb = settings.UPLOAD_MAX_MB
        offered = enabled_tvs()
        if len(offered) > 1:
            self.fields["tvs"].queryset = offered
            self.fields["tvs"].initial = default_tv_ids()
        else:  # one TV (or none): nothing to choose, the default TV it is
            del self.fields["tvs"]
        # The mattes the TVs listed when Docent last asked: no TV is asked for the page.
        self.matte_offer = matte_fit.import_matte_offer(list(offered))
        # The framing a picture gets when none is chosen here: it decides whether the
        # prepared picture is panel-sized (upload.js works it out before offering mattes).
        self.matte_offer["framing"] = next(
            (tv.framing for tv in tvs_for_new_work() if tv.framing), None) or \
            settings.FRAMING_BY_SOURCE.get("upload") or settings.FRAMING_DEFAULT
        self.fields["matte"].choices = import_matte_choices(self.matte_offer["mattes"])

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = settings.UPLOAD_MAX_MB
        too_big = [upload for upload in files if upload.size > limit * 1024 * 1024]
        if too_big:
            raise forms.ValidationError([
                f"{upload.name} is {upload.size / 1024 / 1024:.1f} MB; pictures up to "
                f"{limit:g} MB are accepted (UPLOAD_MAX_MB in .env). Nothing was uploaded."
                for upload in too_big
            ])
        refused = []
        for upload in files:
            try:
                services.upload_check(upload)
            except Rejected as exc:
                refused.append(str(exc))
        if refused:
            raise forms.ValidationError(refused + ["Nothing was uploaded."])
        return files

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("matte"):
            problem = matte_fit.import_matte_problem(
                cleaned["matte"], tvs=tvs_for_new_work(cleaned.get("tvs") or None))
            if problem:
                self.add_error("matte", problem)
        if self.errors or cleaned.get("allow_duplicates"):
            return cleaned
        known = [duplicate_message(upload.name, services.upload_digest(upload))
                 for upload in cleaned["files"]]
        known = [message for message in known if message]
        if known:
            self.add_error("files", known + [
                "Nothing was uploaded. Tick “Upload pictures already in the library anyway” "
                "and choose them again to upload a second copy."])
        return cleaned


def duplicate_message(name: str, digest: str) -> str:
    """Say which artwork already holds this picture; empty when none does."""
    existing = services.artwork_duplicates(digest=digest).first()
    if existing is None:
        return ""
    return f"{name} is already in the library as “{existing}”."


class MatteForm(forms.Form):
    """Which of the TV's mattes to put around the selected pictures."""

    matte_id = forms.ChoiceField(label="Matte")

    def __init__(self, *args, mattes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matte_id"].choices = matte_choices(mattes)


def matte_choices(mattes: list[str]) -> list:
    """`none` first, then one group per matte type, its colours inside: for a <select>."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for matte_id in mattes:
        if matte_id == "none":
            continue
        kind, _, colour = matte_id.partition("_")
        groups.setdefault(kind.capitalize(), []).append((matte_id, colour.capitalize()))
    plain = [("none", "No matte")] if "none" in mattes else []
    return plain + list(groups.items())


def import_matte_choices(mattes: list[str]) -> list:
    """An import's Matte: the TV's default, no matte, then the mattes by style (colours
    inside), for a <select>."""
    return [("", "The TV's default"), ("none", "No matte"),
            *[(style, [(found.id, found.colour) for found in colours])
              for style, colours in by_style([m for m in mattes if m != "none"])]]


class TVsForm(forms.Form):
    """Which TVs: the Send to TV and Remove from TV questions, the upload page's picker."""

    tvs = forms.ModelMultipleChoiceField(
        label="TVs", queryset=TV.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one TV."},
    )

    def __init__(self, *args, tvs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tvs"].queryset = tvs


def enabled_tvs():
    return TV.objects.filter(enabled=True)


def default_tv_ids() -> list[int]:
    """The TV new work goes to unless someone picks others (none when Docent knows none)."""
    return [tv.pk for tv in tvs_for_new_work()]


class CollectionChoiceForm(forms.Form):
    """Which collection: the question of "Add to collection…" (a new one by name) and
    "Remove from collection…"."""

    collection = forms.ModelChoiceField(
        label="Collection", queryset=Collection.objects.none(), required=False,
        empty_label="— choose one —")
    new_name = forms.CharField(label="Or a new collection called", required=False,
                               max_length=Collection._meta.get_field("name").max_length)

    def __init__(self, *args, collections, allow_new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection"].queryset = collections
        if not allow_new:
            del self.fields["new_name"]

    def clean(self):
        data = super().clean()
        if not data.get("collection") and not data.get("new_name", "").strip():
            raise forms.ValidationError("Choose a collection" + (
                " or name a new one." if "new_name" in self.fields else "."))
        return data
