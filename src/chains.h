/*
 * chains.h
 *	  The chain registry (streampay_chains) as seen from C.
 */
#ifndef STREAMPAY_CHAINS_H
#define STREAMPAY_CHAINS_H

#include "compat.h"

typedef enum sp_family
{
	SP_FAMILY_NO_REGISTRY = 0,	/* schema predates the registry (0.1.0) */
	SP_FAMILY_UNREGISTERED,
	SP_FAMILY_STELLAR,
	SP_FAMILY_EVM
} sp_family;

/*
 * Family of chain 'chain_id' (a text/varchar datum) in the registry of
 * schema 'nsp'.  A direct index scan, no SPI: it runs inside the row trigger.
 */
extern sp_family sp_chain_family(Oid nsp, Datum chain_id);

/* "stellar" / "evm" -> family; SP_FAMILY_UNREGISTERED for anything else */
extern sp_family sp_family_from_name(const char *name);

#endif							/* STREAMPAY_CHAINS_H */
