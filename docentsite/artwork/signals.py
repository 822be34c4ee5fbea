from django.dispatch import Signal

# Sent after an artwork moves to another step of its pipeline, with
# `artwork` and `step` ("preparing", "uploading", "analyzing", "done",
# "failed"). Sources (plexsource) follow their own records' progress with it.
artwork_progress = Signal()
