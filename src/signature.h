/*
 * signature.h
 *	  Webhook signature syntax and comparison.  Pure C, so the part of
 *	  webhook ingestion that handles untrusted bytes can be fuzzed alone
 *	  (the HMAC itself is PostgreSQL's, in webhook.c).
 */
#ifndef STREAMPAY_SIGNATURE_H
#define STREAMPAY_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_SIGNATURE_BYTES 32	/* HMAC-SHA256 */

/*
 * Parse "<64 hex digits>" or "sha256=<64 hex digits>" (hex in either case,
 * the indexer's header format) into 32 bytes.  Returns false on anything
 * else, including surrounding whitespace.
 */
extern bool sp_signature_parse(const char *s, size_t len,
							   uint8_t out[SP_SIGNATURE_BYTES]);

/* Compare n bytes in time independent of where they differ. */
extern bool sp_constant_time_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
extern void sp_hex_encode(const uint8_t *in, size_t n, char *out);

#endif							/* STREAMPAY_SIGNATURE_H */
