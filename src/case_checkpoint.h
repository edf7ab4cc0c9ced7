/*
 * case_checkpoint.h
 *		The Merkle tree hash over the case history, and its checkpoints'
 *		origin setting.
 */
#ifndef CASE_CHECKPOINT_H
#define CASE_CHECKPOINT_H

/* Define the setting gridgov.checkpoint_origin, from _PG_init. */
extern void case_checkpoint_init(void);

#endif							/* CASE_CHECKPOINT_H */
