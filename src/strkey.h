/*
 * strkey.h
 *	  Stellar StrKey (SEP-23) validation, decoding and encoding.  Pure C.
 *
 *	  A StrKey is base32 (RFC 4648 alphabet A-Z2-7, upper case, no '='
 *	  padding) of: version byte || data || CRC16-XModem(version || data),
 *	  the CRC stored little-endian.  The version byte's top 5 bits name the
 *	  kind (they alone give the first character), its low 3 bits the
 *	  algorithm, which must be 0.  A StrKey is valid only if re-encoding its
 *	  bytes gives back the same string, so unused low bits of the last
 *	  character must be zero and the length must be exact for the kind.
 *
 *	  Inputs are (pointer, length) and need not be NUL-terminated; a NUL
 *	  byte inside the length is an invalid character.
 */
#ifndef STREAMPAY_STRKEY_H
#define STREAMPAY_STRKEY_H

#include <stddef.h>

/* One bit each, so that callers can pass a set of allowed kinds. */
typedef enum sp_strkey_kind
{
	SP_STRKEY_NONE = 0,				/* version byte unreadable or unknown */
	SP_STRKEY_ACCOUNT = 1,			/* G: ed25519 public key, 56 chars */
	SP_STRKEY_MUXED = 2,			/* M: public key + 64-bit id, 69 chars */
	SP_STRKEY_CONTRACT = 4,			/* C: contract hash, 56 chars */
	SP_STRKEY_SEED = 8,				/* S: ed25519 secret seed, 56 chars */
	SP_STRKEY_PRE_AUTH_TX = 16,		/* T: 56 chars */
	SP_STRKEY_HASH_X = 32,			/* X: 56 chars */
	SP_STRKEY_SIGNED_PAYLOAD = 64,	/* P: 63..165 chars */
	SP_STRKEY_LIQUIDITY_POOL = 128, /* L: 56 chars */
	SP_STRKEY_CLAIMABLE_BALANCE = 256	/* B: 58 chars */
} sp_strkey_kind;

/* Shared by the StrKey and EVM codecs (evm.h). */
typedef enum sp_addr_result
{
	SP_ADDR_OK = 0,
	SP_ADDR_EMPTY,
	SP_ADDR_BAD_LENGTH,
	SP_ADDR_BAD_CHARACTER,
	SP_ADDR_BAD_VERSION,		/* unknown kind, or algorithm bits not 0 */
	SP_ADDR_BAD_CHECKSUM,
	SP_ADDR_BAD_PADDING,		/* unused bits of the last character set */
	SP_ADDR_SECRET_SEED,
	SP_ADDR_WRONG_KIND,			/* well-formed, but not an allowed kind */
	SP_ADDR_BAD_PREFIX,
	SP_ADDR_BAD_HEX,
	SP_ADDR_BAD_EIP55,
	SP_ADDR_BAD_PAYLOAD			/* P length/padding, or B type byte not 0 */
} sp_addr_result;

#define SP_STRKEY_ED25519_LEN	56	/* G, C, S, T, X, L */
#define SP_STRKEY_MUXED_LEN		69	/* M */
#define SP_STRKEY_MAX_LEN		165 /* P with a 64-byte payload */
#define SP_STRKEY_MAX_DATA		100 /* P: key 32 + length 4 + payload 64 */

/*
 * Validate s[0..len) as a StrKey whose kind is in 'allowed' (a mask of
 * sp_strkey_kind bits).  Checks, in this order: empty; secret seed (see
 * below); every byte in A-Z2-7; version byte known with algorithm 0;
 * exact length for the kind; zero padding bits; CRC; kind-specific payload
 * (P, B); kind in 'allowed'.  The first failing check is the result.
 *
 * Secret seeds: the result is SP_ADDR_SECRET_SEED, whatever 'allowed'
 * says, for any input that after trimming ASCII whitespace is at least 16
 * characters, all ASCII letters or digits, and starts with 'S' or 's'.  The
 * checksum, the case and the exact length are deliberately not required: a
 * mistyped, lower-cased or truncated secret is still a secret.  Every
 * StrKey whose first character is 'S' is a seed, so no valid address is
 * lost; shorter strings carry too little of a 256-bit seed to matter.  The
 * caller must refuse such a value and never echo it.  Because a rejected
 * value of any other kind may still be a mangled secret, callers should
 * prefer not to echo rejected inputs at all.
 *
 * *kind_out (may be NULL) receives the kind named by the version byte
 * whenever it could be read, also on failures after that point
 * (SP_STRKEY_SEED for SP_ADDR_SECRET_SEED), and SP_STRKEY_NONE otherwise.
 */
extern sp_addr_result sp_strkey_validate(const char *s, size_t len,
										 unsigned allowed,
										 sp_strkey_kind *kind_out);

/*
 * As sp_strkey_validate; on SP_ADDR_OK only, also copies the data bytes
 * (without version byte and CRC) to data, which must hold
 * SP_STRKEY_MAX_DATA bytes, and their count to *data_len (32 for G, C, T,
 * X, L; 40 for M: key then big-endian id; 33 for B; 36 + padded payload
 * for P).  data and data_len may be NULL.  Seeds are never decoded.
 */
extern sp_addr_result sp_strkey_decode(const char *s, size_t len,
									   unsigned allowed,
									   sp_strkey_kind *kind_out,
									   unsigned char *data,
									   size_t *data_len);

/*
 * Encode data (as sp_strkey_decode returns it) as a StrKey of the given
 * kind into out (no NUL).  Returns the number of characters, or 0 if the
 * kind is SP_STRKEY_SEED or unknown, the data is not well-formed for the
 * kind, or out_cap is too small.  Whatever it returns decodes back to
 * (kind, data).
 */
extern size_t sp_strkey_encode(sp_strkey_kind kind, const unsigned char *data,
							   size_t data_len, char *out, size_t out_cap);

/* Short English reason, lower case, no final period: "checksum mismatch". */
extern const char *sp_addr_result_text(sp_addr_result r);

#endif							/* STREAMPAY_STRKEY_H */
