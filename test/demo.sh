#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build, install, start a
# throwaway cluster as an unprivileged user, and run a short live demo.
#
#   sudo test/demo.sh
cd "$(dirname "$0")/.."
source test/lib/common.sh
sp_install_deps
sp_build_install
sp_start_cluster
psql -X -d postgres -f test/demo.sql 2>&1
