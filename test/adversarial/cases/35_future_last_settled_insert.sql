--@ item 9h
--@ what INSERT and COPY FROM STDIN of a stream with last_settled_at 2100-01-01 fail with 22023 and nothing changes; the same rows with last_settled_at 2024-02-01 are accepted
:snap
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9, '2100-01-01');
:expect 22023 'INSERT with last_settled_at 2100-01-01'
COPY streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at) FROM STDIN;
00000000-0000-0000-0000-000000000002	GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7	GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H	1	2024-01-01	1000000000	2100-01-01
\.
:expect 22023 'COPY with last_settled_at 2100-01-01'
:same 'unchanged'
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9, '2024-02-01');
:ok 'INSERT with last_settled_at 2024-02-01'
COPY streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at) FROM STDIN;
00000000-0000-0000-0000-000000000002	GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7	GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H	1	2024-01-01	1000000000	2024-02-01
\.
:ok 'COPY with last_settled_at 2024-02-01'
SELECT adv.a(count(*) = 2 AND bool_and(last_settled_at = '2024-02-01'), 'both rows stored as given') FROM streams;
