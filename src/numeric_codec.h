/*
 * numeric_codec.h
 *	  PostgreSQL's numeric on-disk format <-> sp_fixed, without going
 *	  through text and without calling into numeric.c.
 *
 * Pure C over a byte buffer: 'p' points at the bytes after the varlena
 * header (the glue passes VARDATA_ANY/VARSIZE_ANY_EXHDR), so the decoder
 * can be fuzzed outside the server.  The format (short and long headers,
 * base-10000 digits, weight, dscale) has been stable since PostgreSQL 9.1;
 * the special values (NaN, +/-Infinity) since 14.
 */
#ifndef STREAMPAY_NUMERIC_CODEC_H
#define STREAMPAY_NUMERIC_CODEC_H

#include "fixed.h"

typedef enum sp_numeric_result
{
	SP_NUM_OK = 0,
	SP_NUM_NAN,					/* NaN */
	SP_NUM_INFINITE,			/* +/-Infinity */
	SP_NUM_OUT_OF_RANGE,		/* magnitude above SP_FIXED_MAX */
	SP_NUM_TOO_PRECISE,			/* a nonzero digit beyond the 9th decimal */
	SP_NUM_MALFORMED			/* not a valid numeric image */
} sp_numeric_result;

extern sp_numeric_result sp_numeric_decode(const unsigned char *p, size_t len,
										   sp_fixed *out);

/*
 * Encode v with display scale 9 exactly as numeric.c's make_result would
 * (short header, no leading or trailing zero digits).  'buf' needs
 * SP_NUMERIC_MAXLEN bytes; returns the number of bytes written.
 */
#define SP_NUMERIC_MAXLEN 32
extern size_t sp_numeric_encode(sp_fixed v, unsigned char *buf);

#endif							/* STREAMPAY_NUMERIC_CODEC_H */
