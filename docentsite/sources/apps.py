from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "docentsite.sources"
    label = "sources"
    verbose_name = "Sources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.signals import worker_ready

        from docentsite.artwork.signals import artwork_progress

        artwork_progress.connect(_follow_progress, dispatch_uid="sources.progress")
        worker_ready.connect(_resume_on_worker_start, dispatch_uid="sources.resume", weak=False)


def _follow_progress(sender, artwork, step, error="", next_attempt_at=None, **kwargs):
    from docentsite.sources.imports import source_import_progress

    source_import_progress(artwork=artwork, step=step, error=error,
                           next_attempt_at=next_attempt_at)


def _resume_on_worker_start(sender=None, **kwargs):
    from docentsite.sources.tasks import resume_stalled

    resume_stalled.delay()
