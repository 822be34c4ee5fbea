"""TVs and placements: the picture in the library apart from where it is shown.

Every artwork of an install that knew one TV becomes a placement on that TV
(the TV of TV_HOST, created here), with its content id, matte, upload state and
reconciliation data; the artwork keeps only where it is in the library.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The artwork's states before this migration, and what each becomes:
# (the artwork's state, the placement's state), None for no placement.
_PLACED = {"uploading", "on_tv", "removed"}


def _split(artwork):
    """(library status, placement status) for one artwork of the old schema."""
    if artwork.status in _PLACED:
        return "prepared", artwork.status
    if artwork.status in ("failed", "needs_attention"):
        if artwork.image:  # prepared, then failed on the way to the TV
            return "prepared", artwork.status
        return "failed", "queued"
    return artwork.status, "queued"  # pending, prepared: still to go to the TV


def place_on_the_first_tv(apps, schema_editor):
    Artwork = apps.get_model("artwork", "Artwork")
    TV = apps.get_model("artwork", "TV")
    Placement = apps.get_model("artwork", "Placement")
    if not Artwork.objects.exists():
        return  # a new install: the TV of TV_HOST is created on start
    tv = TV.objects.create(
        name=getattr(settings, "TV_NAME", "") or "Frame",
        host=(getattr(settings, "TV_HOST", "") or "").strip(),
        port=getattr(settings, "TV_PORT", 8002),
        matte=getattr(settings, "TV_MATTE", "") or "none",
        from_env=True,
    )
    placements = []
    for artwork in Artwork.objects.order_by("pk").iterator():
        library, placed = _split(artwork)
        placements.append(Placement(
            artwork_id=artwork.pk, tv_id=tv.pk, content_id=artwork.content_id,
            matte_id=artwork.matte_id, status=placed,
            last_error=artwork.last_error if placed != "queued" else "",
            upload_attempts=artwork.upload_attempts,
            upload_started_at=artwork.upload_started_at, tv_ids_before=artwork.tv_ids_before,
            uploaded_at=artwork.uploaded_at,
        ))
        if library != artwork.status:
            Artwork.objects.filter(pk=artwork.pk).update(status=library)
    Placement.objects.bulk_create(placements, batch_size=500)
    # created_at/updated_at are stamped now; the upload time says when it reached the TV.


def back_to_one_tv(apps, schema_editor):
    """Only the first TV's placements fit the old schema; the others' are dropped."""
    Artwork = apps.get_model("artwork", "Artwork")
    TV = apps.get_model("artwork", "TV")
    first = TV.objects.order_by("-from_env", "pk").first()
    if first is None:
        return
    for placement in first.placements.select_related("artwork"):
        artwork = placement.artwork
        status = placement.status if placement.status != "queued" else artwork.status
        Artwork.objects.filter(pk=artwork.pk).update(
            content_id=placement.content_id, matte_id=placement.matte_id, status=status,
            upload_attempts=placement.upload_attempts,
            upload_started_at=placement.upload_started_at,
            tv_ids_before=placement.tv_ids_before, uploaded_at=placement.uploaded_at,
            last_error=placement.last_error or artwork.last_error)


class Migration(migrations.Migration):

    dependencies = [
        ("artwork", "0004_artwork_original_sha256"),
    ]

    operations = [
        migrations.CreateModel(
            name="TV",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="What Docent calls it: Living room, Bedroom…", max_length=64, unique=True)),
                ("host", models.CharField(help_text="The TV's IP address or host name.", max_length=255)),
                ("port", models.PositiveIntegerField(default=8002, help_text="8002 (TLS, needs pairing) or 8001 (plain, older models).")),
                ("matte", models.CharField(default="none", help_text="The matte new pictures get, e.g. shadowbox_polar or none.", max_length=64)),
                ("portrait_matte", models.CharField(blank=True, help_text="For portrait pictures; empty: the same matte.", max_length=64)),
                ("enabled", models.BooleanField(default=True, help_text="A disabled TV gets no new pictures; what it shows stays.")),
                ("from_env", models.BooleanField(default=False, editable=False, help_text="Set by TV_HOST, TV_PORT and TV_MATTE in .env, which win over edits here.", verbose_name="from .env")),
                ("model_name", models.CharField(blank=True, max_length=64, verbose_name="model")),
                ("art_api_version", models.CharField(blank=True, max_length=32, verbose_name="art API version")),
                ("resolution", models.CharField(blank=True, max_length=32)),
                ("photo_count", models.PositiveIntegerField(blank=True, help_text="Pictures in the TV's My Photos when Docent last looked.", null=True, verbose_name="personal photos")),
                ("last_seen_at", models.DateTimeField(blank=True, null=True, verbose_name="last seen")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "TV",
                "ordering": ["-from_env", "pk"],
                "constraints": [models.UniqueConstraint(condition=models.Q(("from_env", True)), fields=("from_env",), name="tv_one_from_env")],
            },
        ),
        migrations.CreateModel(
            name="Placement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("content_id", models.CharField(blank=True, help_text="The TV's id for the picture, e.g. MY_F0042.", max_length=64, null=True, verbose_name="TV content id")),
                ("matte_id", models.CharField(blank=True, help_text="The matte the TV shows around it, e.g. shadowbox_polar or none.", max_length=64, verbose_name="matte")),
                ("status", models.CharField(choices=[("queued", "Waiting for the TV"), ("uploading", "Uploading to the TV"), ("on_tv", "On the TV"), ("failed", "Failed"), ("needs_attention", "Needs attention"), ("removed", "Removed from the TV")], db_index=True, default="queued", max_length=32)),
                ("last_error", models.TextField(blank=True)),
                ("upload_attempts", models.PositiveIntegerField(default=0)),
                ("upload_started_at", models.DateTimeField(blank=True, null=True)),
                ("tv_ids_before", models.JSONField(blank=True, null=True)),
                ("uploaded_at", models.DateTimeField(blank=True, null=True)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("waiting_reason", models.TextField(blank=True, help_text="Why the upload is waiting to be tried again.")),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="next try")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("artwork", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="placements", to="artwork.artwork")),
                ("tv", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="placements", to="artwork.tv", verbose_name="TV")),
            ],
            options={
                "ordering": ["tv", "created_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("artwork", "tv"), name="placement_once_per_tv"),
                    models.UniqueConstraint(fields=("tv", "content_id"), name="placement_content_id_per_tv"),
                    models.CheckConstraint(condition=models.Q(("status", "on_tv"), _negated=True) | models.Q(("content_id__isnull", False)), name="placement_on_tv_has_content_id"),
                    models.CheckConstraint(condition=models.Q(("content_id", ""), _negated=True), name="placement_content_id_not_empty"),
                ],
            },
        ),
        migrations.RemoveConstraint(model_name="artwork", name="artwork_on_tv_has_content_id"),
        migrations.RemoveConstraint(model_name="artwork", name="artwork_content_id_not_empty"),
        migrations.AlterField(
            model_name="artwork",
            name="status",
            field=models.CharField(choices=[("pending", "Waiting to be prepared"), ("prepared", "Prepared"), ("failed", "Failed"), ("uploading", "uploading"), ("on_tv", "on_tv"), ("needs_attention", "needs_attention"), ("removed", "removed")], db_index=True, default="pending", max_length=32),
        ),
        migrations.RunPython(place_on_the_first_tv, back_to_one_tv),
        migrations.RemoveField(model_name="artwork", name="content_id"),
        migrations.RemoveField(model_name="artwork", name="matte_id"),
        migrations.RemoveField(model_name="artwork", name="upload_attempts"),
        migrations.RemoveField(model_name="artwork", name="upload_started_at"),
        migrations.RemoveField(model_name="artwork", name="tv_ids_before"),
        migrations.RemoveField(model_name="artwork", name="uploaded_at"),
        migrations.AlterField(
            model_name="artwork",
            name="status",
            field=models.CharField(choices=[("pending", "Waiting to be prepared"), ("prepared", "Prepared"), ("failed", "Failed")], db_index=True, default="pending", max_length=32),
        ),
    ]
