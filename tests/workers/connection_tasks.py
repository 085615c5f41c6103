"""Test-only task for the connection test: imported by it, and by its worker via `include`."""

from django.db import connection

from jobs.celery_app import app


@app.task(name="tests.workers.backend_pid")
def backend_pid():
    """The PostgreSQL backend serving this task: the same one across tasks when the connection is kept."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
