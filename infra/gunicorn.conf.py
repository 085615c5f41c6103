"""Gunicorn settings for the web process (infra/Dockerfile, docker-compose.yml: `gunicorn -c infra/gunicorn.conf.py`).

Access lines show the path only: GraphQL GET queries carry search terms (an identity number, a phone) in the query
string, and download links carry their authorisation in the path, so the query string, the referrer and the user
agent are left out and the path goes through the same redaction as every log line (audit.logs.access_path).
"""

import sys
from pathlib import Path

from gunicorn.glogging import Logger

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT / "platform") not in sys.path:
    sys.path.insert(0, str(_ROOT / "platform"))

from audit.logs import access_path, access_request_line  # noqa: E402

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(L)s'


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = access_request_line(atoms["r"])
        atoms["U"] = access_path(atoms["U"] or "")
        atoms["q"] = atoms["f"] = atoms["a"] = "-"
        # Request headers ({name}i atoms) may carry tokens or referrers with full URLs: none are printed.
        for name in [name for name in atoms if name.startswith("{")]:
            atoms[name] = "-"
        return atoms


logger_class = RedactingLogger
