-- Trust boundary, part 1: the chain registry and every validator, directly
-- and through the trigger.  Invalid vectors: every one must be rejected.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    -- rows inserted without an id get a random one: leave it out
    RETURN SQLSTATE || ' ' || regexp_replace(SQLERRM, '^stream [0-9a-f-]{36}: ', '');
END $$;

-- the registry, as seeded
SELECT chain_id, family FROM streampay_chains ORDER BY family, chain_id;
-- only the two families exist
INSERT INTO streampay_chains VALUES ('solana:mainnet', 'solana');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streampay_chains VALUES ('eip155:31337', 'evm');

CREATE TEMP TABLE valid_vectors (n int, family text, kind text, address text, what text);
INSERT INTO valid_vectors VALUES
    (1, 'stellar', 'account', E'GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ', 'SEP-23 example account'),
    (2, 'stellar', 'account', E'CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA', 'SEP-23 example contract'),
    (3, 'stellar', 'contract', E'CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA', 'SEP-23 example contract as contract'),
    (4, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'account'),
    (5, 'stellar', 'account', E'MDYFVRUGUJRMFVH77LVS3VFSLZLVI2MU6VXDKWXPGF4NHLRXEIWCSAAAAAAAAAAAFLQTQ', 'muxed account, id 42'),
    (6, 'stellar', 'account', E'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW', 'contract'),
    (7, 'evm', 'account', E'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'EIP-55 example 1'),
    (8, 'evm', 'account', E'0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 'EIP-55 example 2'),
    (9, 'evm', 'account', E'0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', 'EIP-55 example 3'),
    (10, 'evm', 'account', E'0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb', 'EIP-55 example 4'),
    (11, 'evm', 'account', E'0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', 'all lower case: no checksum'),
    (12, 'evm', 'account', E'0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED', 'all upper case: no checksum'),
    (13, 'stellar', 'transaction', E'ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789', 'stellar tx hash, upper case'),
    (14, 'evm', 'transaction', E'0xabcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789', 'evm tx hash');
CREATE TEMP TABLE invalid_vectors (n int, family text, kind text, address text, what text);
INSERT INTO invalid_vectors VALUES
    (1, 'stellar', 'account', E'GB5IAA3JGAN2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'one character changed: checksum'),
    (2, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWT', 'last character changed: checksum'),
    (3, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCW', '55 characters'),
    (4, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWSA', '57 characters'),
    (5, 'stellar', 'account', E'MDYFVRUGUJRMFVH77LVS3VFSLZLVI2MU6VXDKWXPGF4NHLRXEIWCSAAAAAAAAAAAFLQT', 'muxed, 68 characters'),
    (6, 'stellar', 'account', E'MDYFVRUGUJRMFVH77LVS3VFSLZLVI2MU6VXDKWXPGF4NHLRXEIWCSAAAAAAAAAAAFLQTQA', 'muxed, 70 characters'),
    (7, 'stellar', 'account', E'MDYFVRUGUJRMFVH77LVS3VFSLZLVI2MU6VXDKWXPGF4NHLRXEIWCSAAAAAAAAAAAFLQTR', 'muxed, non-zero padding bit'),
    (8, 'stellar', 'account', E'gb5iaa3jgam2dxaukwlqxbr5k5aenxebr64tqovgqcrjq2gq3vv6zcws', 'lower case'),
    (9, 'stellar', 'account', E'Gb5iaa3jgam2dxaukwlqxbr5k5aenxebr64tqovgqcrjq2gq3vv6zcws', 'mixed case'),
    (10, 'stellar', 'account', E' GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'leading space'),
    (11, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS ', 'trailing space'),
    (12, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS\n', 'trailing newline'),
    (13, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AE XEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'inner space'),
    (14, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCW=', 'padding character'),
    (15, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQ0BR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'digit 0 (not base32)'),
    (16, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQ1BR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'digit 1 (not base32)'),
    (17, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQ8BR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'digit 8 (not base32)'),
    (18, 'stellar', 'account', E'GB5IAA3JGAM2DXAUKWLQ-BR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'punctuation'),
    (19, 'stellar', 'account', E'', 'empty'),
    (20, 'stellar', 'account', E'G', 'one character'),
    (21, 'stellar', 'account', E'GPAYER', 'a name, not a key'),
    (22, 'stellar', 'account', E'SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2', 'secret seed'),
    (23, 'stellar', 'account', E'SDNF4QA4WP7VUFELWJP63Z4VNJIMXGJMIY27TH6ODO2CR5NQI7ELSAG2', 'secret seed with a typo'),
    (24, 'stellar', 'account', E'sdnf4qa4wp7vufelwjp63z4vnjimxgimiy27th6odo2cr5nqi7elsag2', 'secret seed in lower case'),
    (25, 'stellar', 'account', E'TDTDFNYJLMF7GLBGB6SMKOPJ7V5YKLIN4RKOTPRG6JGQ234R2BU5HIIZ', 'pre-auth transaction key: wrong version'),
    (26, 'stellar', 'account', E'XBFWRKZYI77NU7LMMLA7XS7OX6RV5K3TKHWV46HU3WW6UXPWJOABLEUV', 'sha256 hash key: wrong version'),
    (27, 'stellar', 'account', E'ABKZV2WQQJSNK6K5HEEXDDG5AWV5JFLS5BH6KVMQ53ZRVCFAR7P73DDB', 'version byte 0'),
    (28, 'stellar', 'account', E'GF5AE33OT3DRRAJNSYSEDCLK72ESJDYM6OPBUNJIKH3JNT57SZAF2XFP', 'algorithm bits set'),
    (29, 'stellar', 'contract', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'account where a contract is required'),
    (30, 'stellar', 'contract', E'MDYFVRUGUJRMFVH77LVS3VFSLZLVI2MU6VXDKWXPGF4NHLRXEIWCSAAAAAAAAAAAFLQTQ', 'muxed account where a contract is required'),
    (31, 'stellar', 'account', E'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'EVM address on a Stellar chain'),
    (32, 'evm', 'account', E'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'Stellar key on an EVM chain'),
    (33, 'evm', 'account', E'5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'missing 0x'),
    (34, 'evm', 'account', E'0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0X prefix'),
    (35, 'evm', 'account', E'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe', '39 hex digits'),
    (36, 'evm', 'account', E'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd', '41 hex digits'),
    (37, 'evm', 'account', E'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg', 'non-hex digit'),
    (38, 'evm', 'account', E'0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'EIP-55 checksum broken (one letter case)'),
    (39, 'evm', 'account', E'0xfb6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 'EIP-55 checksum broken (partly lower)'),
    (40, 'evm', 'account', E' 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'leading space'),
    (41, 'evm', 'account', E'0x', 'prefix only'),
    (42, 'evm', 'account', E'', 'empty'),
    (43, 'stellar', 'transaction', E'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789a', 'stellar tx hash, 65 digits'),
    (44, 'stellar', 'transaction', E'abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678', 'stellar tx hash, 63 digits'),
    (45, 'stellar', 'transaction', E'0xabcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567', 'stellar tx hash with 0x'),
    (46, 'stellar', 'transaction', E'abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678g', 'stellar tx hash, non-hex'),
    (47, 'evm', 'transaction', E'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789', 'evm tx hash without 0x'),
    (48, 'evm', 'transaction', E'0xabcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678', 'evm tx hash, 63 digits');

-- valid vectors: no problem
SELECT n, family, kind, what, streampay_address_problem(address, family, kind) AS problem
  FROM valid_vectors ORDER BY n;
-- invalid vectors: each has a problem, and the reason never repeats the value
SELECT n, family, kind, what, streampay_address_problem(address, family, kind) AS problem
  FROM invalid_vectors ORDER BY n;
SELECT count(*) AS invalid_vectors,
       count(*) FILTER (WHERE streampay_address_problem(address, family, kind) IS NULL) AS accepted,
       count(*) FILTER (WHERE address <> '' AND
                        position(address IN streampay_address_problem(address, family, kind)) > 0) AS echoed
  FROM invalid_vectors;
SELECT streampay_address_problem('x', 'solana', 'account');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_address_problem('x', 'stellar', 'wallet');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- streampay_valid_address reads the registry
SELECT streampay_valid_address('GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'stellar-testnet') AS g_on_testnet,
       streampay_valid_address('MDYFVRUGUJRMFVH77LVS3VFSLZLVI2MU6VXDKWXPGF4NHLRXEIWCSAAAAAAAAAAAFLQTQ', 'stellar:pubnet') AS m_on_pubnet,
       streampay_valid_address('GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'eip155:1') AS g_on_ethereum,
       streampay_valid_address('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'eip155:8453') AS evm_on_base,
       streampay_valid_address('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'stellar-testnet') AS evm_on_stellar,
       streampay_valid_address('GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'no-such-chain') AS unknown_chain,
       streampay_valid_address('SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2', 'stellar-testnet') AS seed,
       streampay_valid_address('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', 'eip155:31337') AS user_chain;

-- through the trigger: every invalid account vector is refused as a payer,
-- on the vector's own family, and nothing is stored
SELECT v.n, v.what,
       pg_temp.try(format('INSERT INTO streams (payer, recipient, rate_per_second, start_time, total_amount, chain_id)
                           VALUES (%L, %L, 1, %L, 10, %L)',
                          v.address,
                          CASE v.family WHEN 'evm' THEN '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359'
                                        ELSE 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU' END,
                          '2025-01-01',
                          CASE v.family WHEN 'evm' THEN 'eip155:1' ELSE 'stellar-testnet' END)) AS result
  FROM invalid_vectors v WHERE v.kind = 'account' ORDER BY v.n;
SELECT count(*) AS rows_stored FROM streams;

-- the neighbours: valid account vectors are accepted
SELECT v.n, v.what,
       pg_temp.try(format('INSERT INTO streams (payer, recipient, rate_per_second, start_time, total_amount, chain_id)
                           VALUES (%L, %L, 1, %L, 10, %L)',
                          v.address,
                          CASE v.family WHEN 'evm' THEN '0x52908400098527886e0f7030069857d2e4169ee7'
                                        ELSE 'GAOFLWNYE3UN7KMUG4HDA2XI3QXIJHZ6AAZYDXEERIFZL54CYDAOHUJ2' END,
                          '2025-01-01',
                          CASE v.family WHEN 'evm' THEN 'eip155:1' ELSE 'stellar-testnet' END)) AS result
  FROM valid_vectors v WHERE v.kind = 'account' ORDER BY v.n;
SELECT count(*) AS rows_stored FROM streams;
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

-- a secret seed: its own message, SQLSTATE 22023, the value not echoed
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', 'SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.try(format('INSERT INTO streams (payer, recipient, rate_per_second, start_time, total_amount) VALUES (%L, %L, 1, %L, 10)',
                          'SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', '2025-01-01')) LIKE '%SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2%' AS seed_echoed;

-- unregistered chain (23503), with a hint
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
VALUES ('00000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, 'stellar-devnet');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- neighbour: once registered, the same row is accepted
INSERT INTO streampay_chains VALUES ('stellar-devnet', 'stellar');
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
VALUES ('00000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, 'stellar-devnet');

-- payer = recipient (23514); neighbour: two different addresses (above)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- contract_address: only C... on Stellar
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, contract_address)
VALUES ('00000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, 'GAOFLWNYE3UN7KMUG4HDA2XI3QXIJHZ6AAZYDXEERIFZL54CYDAOHUJ2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, contract_address)
VALUES ('00000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, 'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW');

-- transaction hashes: validated for the family and stored in lower case
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, transaction_hash)
VALUES ('00000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10,
        '0xABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, transaction_hash)
VALUES ('00000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10,
        'ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789');
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id,
                     contract_address, transaction_hash)
VALUES ('00000000-0000-0000-0000-000000000004', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
        '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 1, '2025-01-01', 10, 'eip155:8453',
        '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
        '0xABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789');
SELECT id, chain_id, transaction_hash FROM streams WHERE id >= '00000000-0000-0000-0000-000000000003' ORDER BY id;

-- metadata: NULL or any JSON value; invalid JSON reports where
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, metadata)
VALUES ('00000000-0000-0000-0000-000000000005', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, '{"a": 1,}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, metadata)
VALUES ('00000000-0000-0000-0000-000000000005', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, '{"a": tru}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT m AS metadata,
       pg_temp.try(format('INSERT INTO streams (payer, recipient, rate_per_second, start_time, total_amount, metadata) VALUES (%L, %L, 1, %L, 10, %L)',
                          'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', '2025-01-01', m)) AS result
  FROM unnest(ARRAY['{"a": [1, 2, {"b": null}]}', '42', '"text"', 'null', '[]', '',
                    '{', '{"a" 1}', 'NaN', '{"a": 1} {"b": 2}']) m;

-- UPDATE: a changed column is checked; the row is unchanged after a rejection
CREATE TEMP TABLE snap AS SELECT * FROM streams WHERE id = '00000000-0000-0000-0000-000000000001';
UPDATE streams SET recipient = 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU' || 'A' WHERE id = '00000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET recipient = 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS' WHERE id = '00000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET metadata = 'not json' WHERE id = '00000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET transaction_hash = 'xyz' WHERE id = '00000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT (s.*)::text = (o.*)::text AS unchanged
  FROM streams s JOIN snap o USING (id);
-- neighbours: valid values are accepted, the hash lower-cased
UPDATE streams SET recipient = 'MDYFVRUGUJRMFVH77LVS3VFSLZLVI2MU6VXDKWXPGF4NHLRXEIWCSAAAAAAAAAAAFLQTQ', metadata = '{"memo": "rent"}',
                   transaction_hash = 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'
 WHERE id = '00000000-0000-0000-0000-000000000001';
SELECT recipient, metadata, transaction_hash FROM streams WHERE id = '00000000-0000-0000-0000-000000000001';
