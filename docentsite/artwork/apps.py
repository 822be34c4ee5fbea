from django.apps import AppConfig


class ArtworkConfig(AppConfig):
    name = "docentsite.artwork"
    label = "artwork"
    verbose_name = "Artwork"
    default_auto_field = "django.db.models.BigAutoField"
