/*
 * evm.h
 *	  EVM addresses (with the EIP-55 mixed-case checksum) and transaction
 *	  hashes of both chain families.  Pure C.
 *
 *	  Inputs are (pointer, length) and need not be NUL-terminated; outputs
 *	  are written only on SP_ADDR_OK, are exactly as long as stated below
 *	  and get no NUL.  Nothing is trimmed: whitespace is a bad hex digit or
 *	  a bad length.
 */
#ifndef STREAMPAY_EVM_H
#define STREAMPAY_EVM_H

#include <stddef.h>

#include "strkey.h"				/* sp_addr_result, sp_addr_result_text */

#define SP_EVM_ADDRESS_LEN		42	/* "0x" + 40 hex digits */
#define SP_EVM_TX_HASH_LEN		66	/* "0x" + 64 hex digits */
#define SP_STELLAR_TX_HASH_LEN	64	/* 64 hex digits, no prefix */

/*
 * "0x" (lower-case x) + 40 hex digits.  All-lower-case or all-upper-case
 * hex letters carry no checksum and are accepted as they are; mixed case
 * must equal the EIP-55 encoding (Keccak-256 of the lower-case hex
 * digits as ASCII; a letter is upper case iff its hash nibble is >= 8).
 * Checks, first failure wins: SP_ADDR_EMPTY, SP_ADDR_BAD_PREFIX (missing
 * "0x", including "0X"), SP_ADDR_BAD_LENGTH, SP_ADDR_BAD_HEX,
 * SP_ADDR_BAD_EIP55.
 */
extern sp_addr_result sp_evm_address_validate(const char *s, size_t len);

/* Validate as above, then write the all-lower-case form (42 bytes). */
extern sp_addr_result sp_evm_address_to_lower(const char *s, size_t len,
											  char *out);

/* Validate as above, then write the EIP-55 checksummed form (42 bytes). */
extern sp_addr_result sp_evm_address_to_checksum(const char *s, size_t len,
												 char *out);

/*
 * Stellar transaction hash: exactly 64 hex digits, no prefix, any case.
 * Writes the lower-case form (64 bytes).  SP_ADDR_EMPTY, SP_ADDR_BAD_PREFIX
 * (starts with "0x" or "0X"), SP_ADDR_BAD_LENGTH, SP_ADDR_BAD_HEX.
 */
extern sp_addr_result sp_stellar_tx_hash_normalize(const char *s, size_t len,
												   char *out);

/*
 * EVM transaction hash: "0x" (lower-case x) + 64 hex digits, any case.
 * Writes the lower-case form (66 bytes).  SP_ADDR_EMPTY, SP_ADDR_BAD_PREFIX,
 * SP_ADDR_BAD_LENGTH, SP_ADDR_BAD_HEX.
 */
extern sp_addr_result sp_evm_tx_hash_normalize(const char *s, size_t len,
											   char *out);

#endif							/* STREAMPAY_EVM_H */
