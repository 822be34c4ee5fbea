from django import forms
from django.conf import settings

from docentsite.artwork.services import analyze_by_default


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analyze"].initial = analyze_by_default()

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
        return files


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
