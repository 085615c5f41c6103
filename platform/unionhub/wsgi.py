import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _source_root in ("platform", "tenants", "graphql", "workers"):
    if str(_ROOT / _source_root) not in sys.path:
        sys.path.insert(0, str(_ROOT / _source_root))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
