"""How IAM actions are scoped to the resource a connection names, per service.

One table: for each IAM service prefix, the connection field that names the resource
and, in order, which actions take which ARN. The first rule whose glob matches an
action wins; ``None`` means the action has no resource-level permissions (``"*"``).
Templates see ``{partition}``, ``{region}``, ``{account}`` and ``{name}``.

To scope a new service, add a row; nothing else changes.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceScope:
    """Resource scoping of one service's actions by a connection field."""

    field: str
    rules: tuple[tuple[str, str | None], ...]
    #: When the field's value is itself an ARN, the name is the part after this marker.
    arn_marker: str | None = None

    def template_for(self, action: str) -> str | None:
        """The ARN template for an action (the part after ``service:``), or None for ``*``."""
        for pattern, template in self.rules:
            if fnmatch.fnmatchcase(action, pattern):
                return template
        return None


_BUCKET = "arn:{partition}:s3:::{name}"
_OBJECTS = "arn:{partition}:s3:::{name}/*"
_BUS = "arn:{partition}:events:{region}:{account}:event-bus/{name}"
# Rules on the default bus are rule/NAME; on another bus rule/BUS/NAME.
_RULES = "arn:{partition}:events:{region}:{account}:rule/{bus_prefix}*"

SCOPES: dict[str, ServiceScope] = {
    "s3": ServiceScope(
        field="bucket",
        rules=(
            ("ListAllMyBuckets", None),
            ("*Object*", _OBJECTS),
            ("*MultipartUpload*", _OBJECTS),
            ("*", _BUCKET),
        ),
    ),
    "events": ServiceScope(
        field="event_bus",
        arn_marker=":event-bus/",
        rules=(
            ("PutEvents", _BUS),
            ("*EventBus", _BUS),
            ("*Rule", _RULES),
            ("*Targets*", _RULES),
        ),
    ),
}
