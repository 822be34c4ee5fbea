from django.apps import AppConfig


class PlexSourceConfig(AppConfig):
    name = "plexsource"
    verbose_name = "Plex"
    default_auto_field = "django.db.models.BigAutoField"
