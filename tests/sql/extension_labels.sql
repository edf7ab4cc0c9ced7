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
                     'close', 'escalate', 'escalate_overdue')
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
