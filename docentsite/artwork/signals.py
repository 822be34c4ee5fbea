from django.dispatch import Signal

# Sent after an artwork moves to another step of its pipeline, with
# `artwork` and `step` ("preparing", "uploading", "analyzing", "done",
# "failed"). The sources' import records follow it (docentsite.sources).
artwork_progress = Signal()
