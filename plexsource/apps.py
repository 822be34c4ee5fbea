from django.apps import AppConfig

from docentsite.sources.registry import Source


class PlexSourceConfig(AppConfig):
    name = "plexsource"
    verbose_name = "Plex"
    default_auto_field = "django.db.models.BigAutoField"

    docent_source = Source(
        key="plex",
        label="Plex",
        fetch_original="plexsource.importing.plex_fetch_to",
        lookup="plexsource.importing.plex_lookup",
        records="plexsource.ImportRecord",
        ref_field="plex_metadata_id",
        secrets=("PLEX_TOKEN",),
        meta_ref_key="plex_metadata_id",
        meta_fields="plexsource.importing.plex_meta_fields",
        check="plexsource.checks.plex_check",
        settings_check="plexsource.checks.plex_settings_check",
        setup_lines=("PLEX_URL=http://<server>:32400", "PLEX_TOKEN=<your Plex token>"),
        hint="Is the Plex server running? Check PLEX_URL and PLEX_TOKEN in .env.",
        browse_url="plex_browse",
        browse_blurb="Pick photos from your Plex libraries.",
        import_permission="plexsource.add_importrecord",
        admin_urls="plexsource.admin_urls",
        api_prefix="plex",
        api_router="plexsource.api.router",
        api_urls="plexsource.api_urls",
        api_note="Not listed here, as ninja does not run it: "
                 "`GET /api/plex/thumbnails/{plex_metadata_id}?t=&size=`, a Plex photo's JPEG "
                 "thumbnail (`t`: the thumb path Plex lists for it; `size`: 240 or 480, the "
                 "nearest is sent).",
    )

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from plexsource import browsecache
        from plexsource.models import PlexLibrary

        for changed in (post_save, post_delete):
            changed.connect(browsecache.libraries.clear, sender=PlexLibrary, weak=False,
                            dispatch_uid=f"plexsource.libraries.{changed is post_save}")
