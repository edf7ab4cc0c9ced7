/*
 * case_inputs.h
 *		The intake's checks of what a reporter names, a case's channel and
 *		category, with errors that say what is allowed (case_inputs.c).
 */
#ifndef CASE_INPUTS_H
#define CASE_INPUTS_H

/* Refuse a channel that is not one of the channels (23514), naming them. */
extern void case_inputs_check_channel(const char *channel, int64 case_id);
/* Refuse a category that is not in gridgov.category (23503), naming near ones; return if it is. */
extern void case_inputs_check_category(const char *category, int64 case_id);

#endif							/* CASE_INPUTS_H */
