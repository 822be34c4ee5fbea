from django.apps import AppConfig

from docentsite.sources.registry import Source


class DriveSourceConfig(AppConfig):
    name = "drivesource"
    verbose_name = "Google Drive"
    default_auto_field = "django.db.models.BigAutoField"

    docent_source = Source(
        key="google_drive",
        label="Google Drive",
        fetch_original="drivesource.importing.drive_fetch_original",
        lookup="drivesource.importing.drive_lookup",
        secrets=("DRIVE_API_KEY",),
        meta_ref_key="drive_file_id",
        api_ref="drive_file_id",
        check="drivesource.checks.drive_check",
        settings_check="drivesource.checks.drive_settings_check",
        setup_lines=("DRIVE_API_KEY=<your Google API key>",
                     "DRIVE_FOLDER_URL=https://drive.google.com/drive/folders/<id>"),
        hint="Is the folder shared with anyone with the link, and the Google Drive API "
             "enabled for the key? Check DRIVE_API_KEY and DRIVE_FOLDER_URL in .env.",
        browse_url="drive_browse",
        browse_blurb="Pick pictures from a shared Google Drive folder.",
        import_permission="sources.add_sourceimport",
        admin_urls="drivesource.admin_urls",
        api_prefix="drive",
        api_router="drivesource.api.router",
        api_urls="drivesource.api_urls",
        api_note="Not listed here, as ninja does not run it: "
                 "`GET /api/drive/thumbnails/{drive_file_id}?v=&size=`, a Drive picture's "
                 "JPEG preview fetched by Docent (`v`: the version a browse page gives; "
                 "`size`: 240 or 480, the nearest is sent).",
    )
