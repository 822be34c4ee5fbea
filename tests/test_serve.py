"""`manage.py serve`, the embedded default that `./docent` starts: web, worker and beat."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from docentsite.artwork.models import Artwork, Status
from tests.workers import empty_embedded_queue, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180),
              pytest.mark.slow]


def test_serve_runs_beat_whose_sweep_takes_over_work_left_behind(
    fake_tv, worker_env, make_artwork, jpeg, tmp_path
):
    assert django_settings.CELERY_BROKER_URL.startswith("filesystem://")
    empty_embedded_queue()
    artwork = make_artwork(jpeg)
    log = tmp_path / "serve.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}", **worker_env,
           "STALL_SWEEP_INTERVAL": "1"}
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--bind", "127.0.0.1:0"],
            cwd=Path(django_settings.BASE_DIR), env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # The sweep a starting worker runs is over before the work is left behind.
        wait_for(lambda: b"Task artwork.resume_stalled" in log.read_bytes()
                 and b"succeeded" in log.read_bytes(), what="the worker's first sweep")
        Artwork.objects.filter(pk=artwork.pk).update(
            status=Status.UPLOADING, updated_at=timezone.now() - timedelta(hours=1))
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).status == Status.ON_TV,
                 timeout=60, what="beat's sweep to finish the upload")
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()

    assert list(fake_tv.photos) == [Artwork.objects.get(pk=artwork.pk).content_id]
