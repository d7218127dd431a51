/*
 * keccak.h
 *	  Keccak-256 as Ethereum uses it: the original Keccak submission with
 *	  padding byte 0x01, not FIPS 202 SHA3-256 (0x06).  Pure C.
 */
#ifndef STREAMPAY_KECCAK_H
#define STREAMPAY_KECCAK_H

#include <stddef.h>

#define SP_KECCAK256_LEN 32

extern void sp_keccak256(const void *data, size_t len,
						 unsigned char out[SP_KECCAK256_LEN]);

#endif							/* STREAMPAY_KECCAK_H */
