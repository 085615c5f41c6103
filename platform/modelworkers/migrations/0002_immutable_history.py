"""Make the history append-only in the database, as audit does for its log.

- modelworkers_modelworkerstatuschange and modelworkers_revocationdocument: UPDATE, DELETE and TRUNCATE raise;
- modelworkers_revocation: DELETE and TRUNCATE raise, and UPDATE raises once the row is decided (a proposal is
  decided exactly once, then frozen).
TRUNCATE passes only in a session that set `unionhub.audit_allow_truncate = on` (the test settings, for Django's
flush between TransactionTestCases); production never sets it.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION mw_history_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('unionhub.audit_allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- Nested: PL/pgSQL does not promise to short-circuit AND, and only the revocation row has a status.
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'modelworkers_revocation' THEN
        IF OLD.status = 'proposed' THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER mw_status_change_no_update_delete
    BEFORE UPDATE OR DELETE ON modelworkers_modelworkerstatuschange
    FOR EACH ROW EXECUTE FUNCTION mw_history_refuse_change();
CREATE TRIGGER mw_status_change_no_truncate
    BEFORE TRUNCATE ON modelworkers_modelworkerstatuschange
    FOR EACH STATEMENT EXECUTE FUNCTION mw_history_refuse_change();

CREATE TRIGGER mw_revocation_no_change_after_decision
    BEFORE UPDATE OR DELETE ON modelworkers_revocation
    FOR EACH ROW EXECUTE FUNCTION mw_history_refuse_change();
CREATE TRIGGER mw_revocation_no_truncate
    BEFORE TRUNCATE ON modelworkers_revocation
    FOR EACH STATEMENT EXECUTE FUNCTION mw_history_refuse_change();

CREATE TRIGGER mw_revocation_document_no_update_delete
    BEFORE UPDATE OR DELETE ON modelworkers_revocationdocument
    FOR EACH ROW EXECUTE FUNCTION mw_history_refuse_change();
CREATE TRIGGER mw_revocation_document_no_truncate
    BEFORE TRUNCATE ON modelworkers_revocationdocument
    FOR EACH STATEMENT EXECUTE FUNCTION mw_history_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS mw_revocation_document_no_truncate ON modelworkers_revocationdocument;
DROP TRIGGER IF EXISTS mw_revocation_document_no_update_delete ON modelworkers_revocationdocument;
DROP TRIGGER IF EXISTS mw_revocation_no_truncate ON modelworkers_revocation;
DROP TRIGGER IF EXISTS mw_revocation_no_change_after_decision ON modelworkers_revocation;
DROP TRIGGER IF EXISTS mw_status_change_no_truncate ON modelworkers_modelworkerstatuschange;
DROP TRIGGER IF EXISTS mw_status_change_no_update_delete ON modelworkers_modelworkerstatuschange;
DROP FUNCTION IF EXISTS mw_history_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("modelworkers", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
