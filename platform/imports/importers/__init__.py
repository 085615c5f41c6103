"""The importers shipped with UnionHub; importing this package registers them."""

from . import branches  # noqa: F401

try:  # members: only once tenants/membership/services.py provides the row validator and bulk writer
    from . import members  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the membership services being present
    if "membership" not in str(exc) and "members" not in str(exc):
        raise
