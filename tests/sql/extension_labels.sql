-- Every function of gridgov with its labels, for review: volatility
-- (i immutable, s stable, v volatile), strictness and parallel safety
-- (s safe, r restricted, u unsafe).  The checks below must list nothing.
SELECT p.oid::regprocedure AS function, l.lanname AS language,
       p.provolatile AS volatility, p.proisstrict AS strict, p.proparallel AS parallel
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'gridgov'::regnamespace
 ORDER BY p.oid::regprocedure::text;

-- a function that writes must be volatile and parallel unsafe
SELECT p.oid::regprocedure AS writes_but_labelled_otherwise
  FROM pg_proc p
 WHERE p.pronamespace = 'gridgov'::regnamespace
   AND p.proname IN ('import_units', 'apply_move', 'accept', 'reject', 'merge', 'dispatch', 'start',
                     'return_case', 'extend', 'suspend', 'resume', 'resolve', 'verify', 'reopen',
                     'close', 'escalate', 'escalate_overdue', 'history_checkpoint')
   AND (p.provolatile <> 'v' OR p.proparallel <> 'u');

-- a trigger function is volatile and parallel unsafe
SELECT p.oid::regprocedure AS trigger_labelled_otherwise
  FROM pg_proc p
 WHERE p.pronamespace = 'gridgov'::regnamespace AND p.prorettype = 'trigger'::regtype
   AND (p.provolatile <> 'v' OR p.proparallel <> 'u');

-- immutable functions are parallel safe
SELECT p.oid::regprocedure AS immutable_but_not_parallel_safe
  FROM pg_proc p
 WHERE p.pronamespace = 'gridgov'::regnamespace AND p.provolatile = 'i' AND p.proparallel <> 's';

-- Every function, aggregate, operator, type, table, view and column of the
-- extension has a comment: \df+, \do+, \dT+, \d+ and BI tools show it to
-- users.  (Array and row types come with their element type or table.)
SELECT pg_describe_object(d.classid, d.objid, 0) AS lacks_a_comment
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid
  LEFT JOIN pg_class r ON d.classid = 'pg_class'::regclass AND r.oid = d.objid
 WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'gridgov' AND d.deptype = 'e'
   AND d.classid IN ('pg_proc'::regclass, 'pg_operator'::regclass, 'pg_type'::regclass, 'pg_class'::regclass)
   AND (r.oid IS NULL OR r.relkind IN ('r', 'p', 'v', 'm', 'f'))
   AND obj_description(d.objid, d.classid::regclass::name) IS NULL
UNION ALL
SELECT pg_describe_object('pg_class'::regclass, r.oid, a.attnum)
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid
  JOIN pg_class r ON r.oid = d.objid AND r.relkind IN ('r', 'p', 'v', 'm', 'f')
  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'gridgov' AND d.deptype = 'e'
   AND d.classid = 'pg_class'::regclass
   AND col_description(r.oid, a.attnum) IS NULL
 ORDER BY 1;
