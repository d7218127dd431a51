# test/bench/plot.gp: workload 5 (ns per row against table size, streampay
# beside each baseline) from the benchmark's CSV.
#
#   cd test/bench && gnuplot plot.gp
#   gnuplot -e "csv='out/results.csv'; svg='workload5.svg'" plot.gp
#
# The CSV is bench.summary (see setup.sql): column 1 workload, 2 variant,
# 3 scale, 10 ns_per_row; run.sh writes each variant's rows together,
# ordered by scale, so each variant is one line.

if (!exists("csv")) csv = 'results-latest.csv'
if (!exists("svg")) svg = 'workload5.svg'

set terminal svg size 800,500 dynamic noenhanced font 'sans,12'
set output svg
set datafile separator ','
set key outside right top
set title 'Workload 5: accrued of every row, time per row against table size'
set xlabel 'streams in the table'
set ylabel 'ns per row (median)'
set logscale x 2
set format x '%.0s%c'
set yrange [0:*]
set autoscale xfix
set offsets graph 0.08, graph 0.08, 0, 0
set grid ytics

variants = 'streampay sql_expr sql_func plpgsql_func scan_limit'
titles = 'streampay_accrued(s,T) SQL_expression SQL_function PL/pgSQL_function scan_limit:sum(total_amount)'

plot for [i = 1:words(variants)] csv \
    using ((strcol(1) eq 'w5' && strcol(2) eq word(variants, i)) ? $3 : 1/0):10 \
    with linespoints lw 2 pt 7 title word(titles, i)
