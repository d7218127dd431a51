#!/usr/bin/env python3
"""Maintenance helper: after every statement of a regression script that
fails (per its results/*.out), insert a line that prints the SQLSTATE, so the
expected output pins the error code, not just the message.

usage: test/lib/add_sqlstate.py sql/NAME.sql results/NAME.out
"""
import sys

sql_path, out_path = sys.argv[1], sys.argv[2]
sql = open(sql_path).read().split('\n')
out = open(out_path).read().split('\n')
ECHO = '\\echo SQLSTATE :LAST_ERROR_SQLSTATE'

# walk the output: psql echoes each input line; an ERROR follows the
# statement's last line
failing_after = set()
si = 0
for line in out:
    # psql does not echo blank input lines
    while si < len(sql) and sql[si].strip() == '':
        si += 1
    if si < len(sql) and line == sql[si]:
        si += 1
        continue
    if line.startswith('ERROR:') and si > 0:
        failing_after.add(si - 1)

res = []
for i, line in enumerate(sql):
    res.append(line)
    if i in failing_after and not (i + 1 < len(sql) and sql[i + 1] == ECHO):
        res.append(ECHO)
open(sql_path, 'w').write('\n'.join(res))
