-- The policies of case_history, post, person_contact, person_login and
-- kpi_handler_daily on Citus (docs/scale-out.md), run by tools/distribute-citus.sql before the
-- conversion: Citus refuses a policy with a subquery, so their subqueries
-- become calls of case_visible, organization_anchor and person_post_held
-- (sql/access.sql), which run the same tests row by row with the reader's
-- rights.  The single node keeps the subqueries (one hashed list a query);
-- tests/shell/access_population.sh checks that both give every role the
-- same rows.
--
-- case_reporters too: Citus checks a view's tables on the shards as the
-- role that queries it, not as the view's owner (citusdata/citus#6161), so
-- a reader, who may not read cases.reporter, would be refused the view.  On
-- Citus it reads case_reporters_rows() (sql/access.sql), which reads the
-- cases as their owner and decides each row by the caller's grants, as the
-- view does; the single node keeps the view, whose conditions reach the
-- index on cases.
ALTER POLICY gridgov_read ON gridgov.case_history
    USING (gridgov.case_visible(district, case_id));
ALTER POLICY gridgov_read ON gridgov.post
    USING (gridgov.jurisdiction_visible(COALESCE(unit, gridgov.organization_anchor(organization))));
ALTER POLICY gridgov_insert ON gridgov.post
    WITH CHECK (gridgov.jurisdiction_holds(COALESCE(unit, gridgov.organization_anchor(organization)), 'administrator'));
ALTER POLICY gridgov_update ON gridgov.post
    USING (gridgov.jurisdiction_visible(COALESCE(unit, gridgov.organization_anchor(organization))))
    WITH CHECK (gridgov.jurisdiction_holds(COALESCE(unit, gridgov.organization_anchor(organization)), 'administrator'));
ALTER POLICY gridgov_delete ON gridgov.post
    USING (gridgov.jurisdiction_holds(COALESCE(unit, gridgov.organization_anchor(organization)), 'administrator'));
ALTER POLICY gridgov_handle ON gridgov.person_contact
    USING (gridgov.person_post_held(person, '{handler,administrator}'));
ALTER POLICY gridgov_read ON gridgov.person_login
    USING (pg_catalog.pg_has_role(login::pg_catalog.oid, 'USAGE') OR gridgov.person_post_held(person));
ALTER POLICY gridgov_write ON gridgov.person_login
    USING (gridgov.person_post_held(person, '{administrator}'))
    WITH CHECK (gridgov.person_post_held(person, '{administrator}'));
ALTER POLICY gridgov_read ON gridgov.kpi_handler_daily
    USING (gridgov.person_post_held(handler));
ALTER POLICY gridgov_write ON gridgov.kpi_handler_daily
    USING (gridgov.person_post_held(handler, '{administrator}'))
    WITH CHECK (gridgov.person_post_held(handler, '{administrator}'));
CREATE OR REPLACE VIEW gridgov.case_reporters WITH (security_barrier = true) AS
SELECT r.id, r.district, r.unit, r.category, r.reporter, r.masked FROM gridgov.case_reporters_rows() r;
