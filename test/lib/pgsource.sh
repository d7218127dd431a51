# test/lib/pgsource.sh: build a PostgreSQL major version that Debian does not
# ship for this release, from Debian sid's source package, and cache it.
# Sourced after test/lib/common.sh (sp_log, sp_sudo, sp_apt_install).
#
#   pg_config=$(sp_pg_from_source 18 release)   # or: cassert
#
# The source package postgresql-<major> is fetched with apt-get through a
# private apt configuration (a deb-src line for sid on this machine's own
# Debian mirror, private lists and cache); the machine's apt sources are not
# changed.  The upstream tree is unpacked without Debian's patches (they
# hard-wire /usr/lib/postgresql/<major> paths and the /var/run/postgresql
# socket directory), so the result is a vanilla server at
#
#   $SP_PG_CACHE/pg-<upstream version>-<flavor>     (default /var/cache/streampay)
#
# release: ./configure --without-icu
# cassert: ./configure --without-icu --enable-cassert --enable-debug
#
# A tree is used only once its stamp file exists, so an interrupted build is
# redone.  The last line on stdout is the absolute path of its bin/pg_config;
# everything else goes to stderr.  Returns non-zero on failure.
#
# Settings (environment):
#   SP_PG_CACHE           cache directory (/var/cache/streampay)
#   SP_PG_APT_MAX_AGE     minutes before sid's Sources index is fetched again (1440)
#   SP_PG_JOBS            make -j (2)

SP_PG_CACHE=${SP_PG_CACHE:-/var/cache/streampay}

# The URI of this machine's Debian archive, read from its apt sources: the
# first deb entry (deb822 or one-line) whose suite is the running release's
# codename.  Falls back to the first URI ending in /debian.
sp_pg_debian_mirror() {
	local codename uri
	codename=$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")
	uri=$(
		{
			# deb822 *.sources: one "URI<TAB>suites<TAB>types" line per stanza
			for f in /etc/apt/sources.list.d/*.sources; do
				[ -r "$f" ] || continue
				awk '
					function flush() {
						if (uris != "" && enabled != "no")
							{ n = split(uris, u, " "); for (i = 1; i <= n; i++) print u[i] "\t" suites "\t" types }
						uris = ""; suites = ""; types = ""; enabled = ""
					}
					/^[ \t]*#/ { next }
					/^[ \t]*$/ { flush(); next }
					tolower($1) == "uris:"   { $1 = ""; uris = $0 }
					tolower($1) == "suites:" { $1 = ""; suites = " " $0 " " }
					tolower($1) == "types:"  { $1 = ""; types = " " $0 " " }
					tolower($1) == "enabled:" { enabled = tolower($2) }
					END { flush() }
				' "$f"
			done
			# one-line format: deb [options] URI suite components
			for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
				[ -r "$f" ] || continue
				sed -E -n 's/^[ \t]*deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+([^ \t]+).*/\2\t \3 \t deb /p' "$f"
			done
		} | awk -F'\t' -v c=" $codename " '
			$3 ~ / deb / && c != "  " && index($2, c) { print $1; found = 1; exit }
			$3 ~ / deb / && $1 ~ /\/debian\/?$/ && first == "" { first = $1 }
			END { if (!found && first != "") print first }
		'
	)
	uri=${uri%/}
	[ -n "$uri" ] || { sp_log "pgsource: no Debian mirror found in /etc/apt/sources.list{,.d}"; return 1; }
	printf '%s\n' "$uri"
}

# apt-get/apt-cache with the private configuration in $1 (the rest: arguments).
sp_pg_apt() {
	local dir=$1 tool=$2; shift 2
	"$tool" -q \
		-o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts="$dir/sources.list.d" \
		-o Dir::State::Lists="$dir/lists" \
		-o Dir::Cache="$dir/cache" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		-o APT::Sandbox::User="$(id -un)" \
		-o Acquire::Languages=none \
		"$@"
}

# Prints "<debian version>" of sid's source package $1, refreshing the
# private Sources index if it is older than SP_PG_APT_MAX_AGE minutes.
sp_pg_sid_version() {
	local pkg=$1 apt=$SP_PG_CACHE/apt mirror v best=""
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" \
		"$apt/sources.list.d" || return 1
	mirror=$(sp_pg_debian_mirror) || return 1
	local line="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main"
	if [ "$(cat "$apt/sources.list" 2>/dev/null)" != "$line" ]; then
		printf '%s\n' "$line" > "$apt/sources.list" || return 1
		rm -f "$apt/lists/"*_Sources* "$apt/lists/"*Release* "$apt/lists/.updated"
	fi
	if [ -z "$(find "$apt/lists" -maxdepth 1 -name .updated \
			-mmin -"${SP_PG_APT_MAX_AGE:-1440}" 2>/dev/null)" ]; then
		sp_log "pgsource: fetching sid's Sources index from $mirror"
		rm -f "$apt/lists/.updated"
		sp_pg_apt "$apt" apt-get update </dev/null >&2 || return 1
		touch "$apt/lists/.updated" || return 1
	fi
	for v in $(sp_pg_apt "$apt" apt-cache showsrc --only-source "$pkg" 2>/dev/null |
			sed -n 's/^Version: //p'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done
	[ -n "$best" ] || { sp_log "pgsource: no source package $pkg in sid"; return 1; }
	printf '%s\n' "$best"
}

# sp_pg_from_source <major> <release|cassert>
# The body runs in a subshell: its cd, umask, lock and EXIT trap stay local.
# Every step checks its own status, because set -e is not in force when the
# caller writes `x=$(sp_pg_from_source ...) || ...`.
sp_pg_from_source() (
	local major=${1:-} flavor=${2:-}
	local pkg debver upver prefix stamp work lockfd jobs=${SP_PG_JOBS:-2}
	local -a confopts=(--without-icu)
	case $major in ''|*[!0-9]*) sp_log "usage: sp_pg_from_source <major> <release|cassert>"; exit 2 ;; esac
	case $flavor in
		release) ;;
		cassert) confopts+=(--enable-cassert --enable-debug) ;;
		*) sp_log "usage: sp_pg_from_source <major> <release|cassert>"; exit 2 ;;
	esac
	pkg=postgresql-$major
	umask 022

	if [ ! -w "$SP_PG_CACHE" ]; then
		sp_sudo mkdir -p "$SP_PG_CACHE" &&
			sp_sudo chown "$(id -u):$(id -g)" "$SP_PG_CACHE" || exit 1
	fi
	chmod 755 "$SP_PG_CACHE" 2>/dev/null || true

	# one builder at a time per cache (the apt lists and the trees are shared)
	exec {lockfd}>"$SP_PG_CACHE/.lock" || exit 1
	flock "$lockfd" || exit 1

	if ! debver=$(sp_pg_sid_version "$pkg"); then
		# offline, or the mirror does not answer: use a finished tree if any
		prefix=$(ls -d "$SP_PG_CACHE/pg-$major".*"-$flavor" 2>/dev/null | sort -V | tail -n 1 || true)
		if [ -n "$prefix" ] && [ -f "$prefix/.streampay-complete" ]; then
			sp_log "pgsource: cannot read sid's $pkg version; using the cached $prefix"
			printf '%s\n' "$prefix/bin/pg_config"
			exit 0
		fi
		exit 1
	fi
	upver=${debver#*:}
	upver=${upver%-*}
	prefix=$SP_PG_CACHE/pg-$upver-$flavor
	stamp=$prefix/.streampay-complete

	if [ -f "$stamp" ] && [ -x "$prefix/bin/pg_config" ]; then
		sp_log "pgsource: PostgreSQL $upver ($flavor) is cached in $prefix"
		printf '%s\n' "$prefix/bin/pg_config"
		exit 0
	fi

	sp_log "pgsource: building PostgreSQL $upver ($flavor, source $pkg $debver from sid) into $prefix"
	sp_apt_install dpkg-dev make gcc bison flex perl libreadline-dev zlib1g-dev \
		</dev/null >&2 || exit 1

	# download (kept in the cache: apt-get skips files it already holds)
	local srcdir=$SP_PG_CACHE/src
	mkdir -p "$srcdir" || exit 1
	(cd "$srcdir" && sp_pg_apt "$SP_PG_CACHE/apt" apt-get source --download-only \
		"$pkg=$debver" </dev/null >&2) || exit 1
	local dsc=$srcdir/${pkg}_${debver#*:}.dsc
	[ -f "$dsc" ] || { sp_log "pgsource: $dsc missing after download"; exit 1; }

	# work dirs left by a killed build (the lock says none is running)
	rm -rf "$SP_PG_CACHE/build" && mkdir -p "$SP_PG_CACHE/build" || exit 1
	work=$(mktemp -d "$SP_PG_CACHE/build/pg-$upver-$flavor.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
	local log=$work/build.log
	sp_log "pgsource: unpacking (upstream tree, Debian patches not applied); log in $log"
	# the .dsc's checksums are checked; its OpenPGP signature is not, since
	# apt already authenticated every file through sid's signed Release
	dpkg-source --skip-patches -x "$dsc" "$work/src" </dev/null >"$log" 2>&1 || {
		tail -n 30 "$log" >&2; exit 1; }

	rm -rf "$prefix" || exit 1
	local t0=$SECONDS
	sp_log "pgsource: configure ${confopts[*]}; make -j$jobs; make install (+ contrib/amcheck)"
	(
		cd "$work/src" &&
			./configure --prefix="$prefix" "${confopts[@]}" &&
			make -j"$jobs" &&
			make -C contrib/amcheck -j"$jobs" &&
			make install &&
			make -C src/test/isolation install &&
			make -C contrib/amcheck install
	) </dev/null >>"$log" 2>&1 || {
		cp "$log" "$SP_PG_CACHE/pg-$upver-$flavor.failed.log" 2>/dev/null
		sp_log "pgsource: the build failed; full log in $SP_PG_CACHE/pg-$upver-$flavor.failed.log, its end:"
		tail -n 40 "$log" >&2
		exit 1
	}

	# PGXS runs pg_regress and pg_isolation_regress from the install tree
	local pgxs f
	pgxs=$(dirname "$("$prefix/bin/pg_config" --pgxs)")/../.. || exit 1
	for f in src/test/regress/pg_regress src/test/isolation/pg_isolation_regress \
		src/test/isolation/isolationtester; do
		[ -x "$pgxs/$f" ] || { sp_log "pgsource: $pgxs/$f was not installed"; exit 1; }
	done

	# initdb and pg_ctl run as an unprivileged user
	chmod -R a+rX "$prefix" || exit 1
	rm -f "$SP_PG_CACHE/pg-$upver-$flavor.failed.log"
	printf '%s %s %s %s\n' "$pkg" "$debver" "$flavor" "$((SECONDS - t0))s" > "$stamp" || exit 1
	sp_log "pgsource: PostgreSQL $upver ($flavor) built in $((SECONDS - t0))s"
	printf '%s\n' "$prefix/bin/pg_config"
)
