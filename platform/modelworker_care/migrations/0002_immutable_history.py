"""Make the care history append-only in the database, as the registry does for its own:

- modelworker_care_lifeevent: UPDATE and DELETE raise;
- modelworker_care_annualassessment: DELETE raises, and UPDATE raises once the assessment is filed (a pending one
  is amended by its signers until the second sign-off files it, then it is frozen).
Row triggers only: Django's test flush (TRUNCATE) is not affected; production revokes TRUNCATE from the app role.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION mwc_history_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Nested: PL/pgSQL does not short-circuit AND, and OLD of other tables has no status column.
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'modelworker_care_annualassessment' THEN
        IF OLD.status = 'pending' THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER mwc_life_event_no_update_delete
    BEFORE UPDATE OR DELETE ON modelworker_care_lifeevent
    FOR EACH ROW EXECUTE FUNCTION mwc_history_refuse_change();

CREATE TRIGGER mwc_assessment_frozen_when_filed
    BEFORE UPDATE OR DELETE ON modelworker_care_annualassessment
    FOR EACH ROW EXECUTE FUNCTION mwc_history_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS mwc_assessment_frozen_when_filed ON modelworker_care_annualassessment;
DROP TRIGGER IF EXISTS mwc_life_event_no_update_delete ON modelworker_care_lifeevent;
DROP FUNCTION IF EXISTS mwc_history_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("modelworker_care", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
