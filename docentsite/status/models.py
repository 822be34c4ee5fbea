from django.db import models

from docentsite.health import Level

#: What a run of a check can find: "checking" is only ever a page's word for none yet.
FOUND = [level for level in Level if level is not Level.CHECKING]


class CheckResult(models.Model):
    """A check's last result (a health.Check), kept by whoever ran it last: the
    worker's timer, "Check now" on the status page. Pages and the API read it."""

    #: The check's name, or "tv-<id>" for a TV's: what the next run replaces.
    key = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=80)
    level = models.CharField(max_length=16,
                             choices=[(level.value, level.name.title()) for level in FOUND])
    detail = models.TextField()
    action = models.CharField(max_length=16, blank=True)
    tv = models.ForeignKey("artwork.TV", null=True, blank=True, on_delete=models.CASCADE,
                           related_name="+")
    #: What the check found, as data (a source's: what its status route answers).
    facts = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField()
    #: A TV's check: how many runs in a row found the TV not answering, since it last
    #: answered or someone pressed "Check now". The timer asks it less often the more
    #: there are (tvoff.py); 0 for every other check.
    misses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(level__in=[level.value for level in FOUND]),
            name="checkresult_level_known")]

    def __str__(self) -> str:
        return f"{self.name}: {self.level}"
