"""Fault hook for a worker process (imported with `celery -I` by test_storage_down_during_report): once the first
report file of a report is stored, the worker says so in REPORT_PAUSE_DIR and waits there until the test, having
stopped the S3 server, lets it go on to store the second one. Inert unless REPORT_PAUSE_DIR is set."""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

PAUSE_DIR = os.environ.get("REPORT_PAUSE_DIR")
STORED_FIRST = "stored-first"
GO_ON = "go-on"


@worker_process_init.connect
def _pause_after_the_first_report_file(**kwargs):
    if not PAUSE_DIR:
        return
    from reporting import files

    real_store = files.file_store

    def store_then_pause(**store_kwargs):
        record = real_store(**store_kwargs)
        marker = Path(PAUSE_DIR) / STORED_FIRST
        if not marker.exists():  # the first upload of the first attempt only
            marker.write_text(store_kwargs["key"])
            deadline = time.monotonic() + 60
            while not (Path(PAUSE_DIR) / GO_ON).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return record

    files.file_store = store_then_pause
