# test/lib/common.sh: shared set-up for the README's commands.
# Sourced, not run.  Installs what is missing, builds, installs, and starts a
# throwaway PostgreSQL cluster as an unprivileged OS user (PostgreSQL
# refuses to run as root).

set -euo pipefail

SP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BIN=$(dirname "$PG_CONFIG")
export PG_CONFIG PG_BIN

sp_log() { printf '==> %s\n' "$*" >&2; }

sp_sudo() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install those of the Debian packages "$@" that are missing.
sp_apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	sp_log "installing ${missing[*]}"
	sp_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		sp_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null
}

# Debian packages the build and the tests need.
sp_install_deps() {
	sp_apt_install make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" \
		"postgresql-client-$PG_MAJOR" libipc-run-perl valgrind
}

# Switch to one PostgreSQL of the test matrix: "15" is Debian's package;
# "18" and "18-cassert" are built from Debian sid's source package, once,
# and cached under /var/cache/streampay (test/lib/pgsource.sh).  Sets
# PG_MAJOR, PG_CONFIG, PG_BIN and puts PG_BIN first on PATH, so psql,
# pg_dump and pgbench match the server.
sp_use_pg() {
	local token=$1 major flavor
	major=${token%%-*}
	flavor=release
	[ "$token" != "$major" ] && flavor=${token#*-}
	if [ "$major" = 15 ] && [ "$flavor" = release ]; then
		PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
	else
		# shellcheck source=pgsource.sh
		source "$SP_ROOT/test/lib/pgsource.sh"
		PG_CONFIG=$(sp_pg_from_source "$major" "$flavor" | tail -n 1) || return 1
		[ -x "$PG_CONFIG" ] || return 1
	fi
	PG_MAJOR=$major
	PG_BIN=$(dirname "$PG_CONFIG")
	PATH="$PG_BIN:${PATH#"$PG_BIN:"}"
	export PG_MAJOR PG_CONFIG PG_BIN PATH
}

# Build with every warning as an error, then install into the server.
sp_build_install() {
	sp_log "building streampay (-Wall -Wextra -Werror)"
	make -C "$SP_ROOT" -s clean >/dev/null
	make -C "$SP_ROOT" -s PG_CONFIG="$PG_CONFIG" with_llvm=no \
		COPT="-Werror" >/dev/null
	sp_sudo make -C "$SP_ROOT" -s PG_CONFIG="$PG_CONFIG" with_llvm=no install >/dev/null
}

# The OS user that owns throwaway clusters.
SP_PGUSER_OS=${SP_PGUSER_OS:-postgres}

sp_as_pg() {
	if [ "$(id -un)" = "$SP_PGUSER_OS" ]; then "$@"
	elif [ "$(id -u)" -eq 0 ]; then runuser -u "$SP_PGUSER_OS" -- "$@"
	else sudo -u "$SP_PGUSER_OS" -- "$@"
	fi
}

# Start a throwaway cluster; exports PGHOST, PGPORT, PGUSER, SP_PGDATA.
sp_start_cluster() {
	SP_PGDATA=$(mktemp -d /tmp/streampay-pg.XXXXXX)
	chown "$SP_PGUSER_OS" "$SP_PGDATA" 2>/dev/null || sp_sudo chown "$SP_PGUSER_OS" "$SP_PGDATA"
	chmod 700 "$SP_PGDATA"
	PGPORT=${SP_PORT:-$(( 54000 + RANDOM % 1000 ))}
	sp_log "starting a throwaway cluster in $SP_PGDATA (port $PGPORT)"
	sp_as_pg "$PG_BIN/initdb" -D "$SP_PGDATA/data" -A trust -U postgres -E UTF8 \
		--locale=C.UTF-8 >/dev/null
	sp_as_pg "$PG_BIN/pg_ctl" -D "$SP_PGDATA/data" -w -l "$SP_PGDATA/server.log" \
		-o "-p $PGPORT -k $SP_PGDATA -c listen_addresses=''" start >/dev/null
	export PGHOST=$SP_PGDATA PGPORT PGUSER=postgres SP_PGDATA
	trap sp_stop_cluster EXIT
}

sp_stop_cluster() {
	if [ -n "${SP_PGDATA:-}" ] && [ -d "$SP_PGDATA/data" ]; then
		sp_as_pg "$PG_BIN/pg_ctl" -D "$SP_PGDATA/data" -m fast stop >/dev/null 2>&1 || true
		rm -rf "$SP_PGDATA"
	fi
}
