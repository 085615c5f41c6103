"""Make reporting_submissionevent append-only: UPDATE and DELETE raise (the review trail is evidence)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION reporting_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'reporting_submissionevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER reporting_event_no_update_delete
    BEFORE UPDATE OR DELETE ON reporting_submissionevent
    FOR EACH ROW EXECUTE FUNCTION reporting_event_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS reporting_event_no_update_delete ON reporting_submissionevent;
DROP FUNCTION IF EXISTS reporting_event_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
