from django import forms

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
