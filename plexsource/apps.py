from django.apps import AppConfig


class PlexSourceConfig(AppConfig):
    name = "plexsource"
    verbose_name = "Plex"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.signals import worker_ready
        from django.db.models.signals import post_delete, post_save

        from docentsite.artwork.signals import artwork_progress
        from plexsource import browsecache
        from plexsource.models import PlexLibrary

        artwork_progress.connect(_follow_progress, dispatch_uid="plexsource.progress")
        for changed in (post_save, post_delete):
            changed.connect(browsecache.libraries.clear, sender=PlexLibrary, weak=False,
                            dispatch_uid=f"plexsource.libraries.{changed is post_save}")
        worker_ready.connect(_resume_on_worker_start, dispatch_uid="plexsource.resume",
                             weak=False)


def _follow_progress(sender, artwork, step, error="", next_attempt_at=None, **kwargs):
    from plexsource.services import plex_import_progress

    plex_import_progress(artwork=artwork, step=step, error=error,
                         next_attempt_at=next_attempt_at)


def _resume_on_worker_start(sender=None, **kwargs):
    from plexsource.tasks import resume_stalled

    resume_stalled.delay()
