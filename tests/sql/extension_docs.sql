-- The examples of docs/operations.md, run for real (tools/check-docs).
-- A gridgov call loads the library, which reserves the gridgov. prefix.
SELECT gridgov.level(gridgov.gridcode '440311');
SET gridgov.scope = '440311';
