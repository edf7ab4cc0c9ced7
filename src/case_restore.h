/*
 * case_restore.h
 *		Which statement restores cases, and which of its cases were restored.
 */
#ifndef CASE_RESTORE_H
#define CASE_RESTORE_H

/* the group role whose members may import history and restore (docs/operations.md) */
#define IMPORTER_ROLE "gridgov_importer"

/* The memory of restored cases, from case_engine_init. */
extern void case_restore_init(void);
/* Whether the statement being run is a COPY, as a restore is. */
extern bool case_restore_copying(void);
/* Whether the current role may import: superusers and members of IMPORTER_ROLE. */
extern bool case_restore_may_import(void);
/* Note a restored case, from the intake row trigger. */
extern void case_restore_remember(int64 case_id);
/* Whether a case was restored (and forget it), from the statement trigger. */
extern bool case_restore_take(int64 case_id);

#endif							/* CASE_RESTORE_H */
