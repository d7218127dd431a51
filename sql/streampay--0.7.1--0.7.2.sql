-- streampay 0.7.1 -> 0.7.2: fixes from two audits of issues 9-13

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.2'" to load this file. \quit

-- (filled in by the changes of this release)
