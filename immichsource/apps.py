from django.apps import AppConfig

from docentsite.sources.registry import Source

#: What the Import from Immich page needs: the records it shows and makes.
IMMICH_BROWSE = ("sources.view_sourceimport", "sources.add_sourceimport")


class ImmichSourceConfig(AppConfig):
    name = "immichsource"
    verbose_name = "Immich"
    default_auto_field = "django.db.models.BigAutoField"

    docent_source = Source(
        key="immich",
        label="Immich",
        lookup="immichsource.importing.immich_lookup",
        fetch_original="immichsource.importing.immich_fetch_original",
        secrets=("IMMICH_API_KEY",),
        meta_ref_key="immich_asset_id",
        api_ref="asset_id",
        check="immichsource.checks.immich_check",
        settings_check="immichsource.checks.immich_settings_check",
        setup_lines=("IMMICH_URL=http://<server>:2283", "IMMICH_API_KEY=<your Immich API key>"),
        hint="Is Immich running? Check IMMICH_URL and IMMICH_API_KEY (and its permissions) "
             "in .env.",
        browse_url="immich_browse",
        browse_blurb="Pick photos from your Immich albums or timeline.",
        import_permission="sources.add_sourceimport",
        admin_urls="immichsource.admin_urls",
        api_prefix="immich",
        api_router="immichsource.api.router",
        api_urls="immichsource.api_urls",
        api_note="Not listed here, as ninja does not run it: "
                 "`GET /api/immich/thumbnails/{asset_id}?size=thumbnail|preview`, an Immich "
                 "asset's thumbnail through Docent (the browser never talks to Immich).",
    )
