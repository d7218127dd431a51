#!/usr/bin/env bash
# test/package.sh: streampay installed the way PostgreSQL users install
# extensions.  Run as root, non-interactive, as often as you like:
#
#   sudo test/package.sh
#
#  1. installs what the packaging needs (dpkg-dev, debhelper, lintian,
#     postgresql-server-dev-all, then debian/control's Build-Depends);
#  2. snapshots the repository into a temporary directory (SP_PKG_SOURCE=
#     worktree, the default: tracked files as they are in the working tree
#     plus untracked files that .gitignore does not ignore; SP_PKG_SOURCE=head:
#     tracked files as committed in HEAD plus those untracked files) without
#     touching the repository's index or files;
#  3. checks META.json against the PGXN Meta Spec 1.0.0 (Debian ships no
#     validator), the versions in META.json, debian/changelog and
#     streampay.control, and the PGXN zip that `make dist` makes (run in a
#     clean clone whose HEAD is the snapshot; git archive with
#     .gitattributes' export-ignore);
#  4. builds the source and binary packages with dpkg-buildpackage (which
#     also runs "make installcheck" against debian/postgresql-15-streampay in
#     a pg_virtualenv cluster) and runs lintian on the .changes (the .dsc, the
#     .debs and the .buildinfo): errors fail, warnings are reported;
#  5. installs postgresql-15-streampay_*.deb with apt-get, starts a new
#     throwaway cluster as OS user postgres (initdb -A trust, Unix socket
#     only; port SP_PORT, default random in 55000-55999), runs CREATE
#     EXTENSION and the upgrade path there, then "make installcheck" from an
#     unbuilt copy of the source against the installed package, and
#     debian/tests/installcheck (the autopkgtest);
#  6. stops the cluster, removes the package and checks that no streampay file
#     is left in PostgreSQL's lib and extension directories.
#
# Prints "ok <what>" / "FAILED <what>" and ends with "N passed, M failed";
# exits 0 only if nothing failed.  DEB_BUILD_OPTIONS=nocheck skips the
# build-time installcheck (the other two still run).  The work directory
# (streampay-package.* in $TMPDIR, default /tmp: the .deb, the logs) is
# removed, unless something failed or SP_PKG_KEEP=1; its path is printed then.
#
# The developer install: `make install` (test/run.sh, test/demo.sh) puts
# streampay.so, its bitcode and streampay.control/--*.sql into
# /usr/lib/postgresql/15/lib and /usr/share/postgresql/15/extension without
# telling dpkg.  dpkg overwrites such unowned files silently when the package
# is installed, and removing the package deletes them.  So this script tars
# up every unowned streampay file there first and puts it back when it ends,
# however it ends (trap on EXIT, INT, TERM, HUP; not after SIGKILL).  While
# it runs, clusters on this machine load the packaged streampay; do not run
# `make install` at the same time (the restore would undo it).

set -uo pipefail
started=$SECONDS

export PG_MAJOR=15
export PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
cd "$(dirname "$0")/.."
source test/lib/common.sh
set +e +u
set -o pipefail
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS

PKG=postgresql-$PG_MAJOR-streampay
LIBDIR=/usr/lib/postgresql/$PG_MAJOR/lib
EXTDIR=/usr/share/postgresql/$PG_MAJOR/extension
SOURCE_MODE=${SP_PKG_SOURCE:-worktree}

passed=0
failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
fail() { echo "FAILED $*"; failed=$((failed + 1)); }
# check WHAT LOG CMD...: run CMD with its output in LOG; on failure show the
# end of LOG
check() {
	local what=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		ok "$what"
	else
		fail "$what (exit $?; $log)"
		tail -n 40 "$log" | sed 's/^/    /'
		return 1
	fi
}
finish() {
	cleanup
	echo "package.sh took $((SECONDS - started))s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	echo "FAILED test/package.sh must run as root (apt-get, dpkg)"
	echo "0 passed, 1 failed"
	exit 1
fi

# one run at a time (the package and the backup are machine-wide)
exec 9>/run/lock/streampay-package.lock
flock -w 900 9 || { echo "FAILED another test/package.sh holds /run/lock/streampay-package.lock"; echo "0 passed, 1 failed"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/streampay-package.XXXXXX")
chmod 755 "$WORK" # lintian runs as nobody, initdb as postgres
PGDIR=""
BACKUP=$WORK/dev-install.tar
BACKUP_LIST=$WORK/dev-install.list
: >"$BACKUP_LIST"
CLEANED=0

cleanup() {
	[ "$CLEANED" = 1 ] && return 0
	CLEANED=1
	if [ -n "$PGDIR" ] && [ -d "$PGDIR/data" ]; then
		sp_as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1
	fi
	[ -n "$PGDIR" ] && rm -rf "$PGDIR"
	if [ "${INSTALLED_BY_US:-0}" = 1 ] &&
		dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -q '^installed'; then
		DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$PKG" >/dev/null 2>&1
	fi
	if [ -s "$BACKUP_LIST" ]; then
		if tar -xpf "$BACKUP" -C / 2>/dev/null; then
			echo "restored the developer install ($(wc -l <"$BACKUP_LIST") files from make install)" >&2
		else
			echo "WARNING: could not restore the developer install from $BACKUP; run make install again" >&2
			SP_PKG_KEEP=1
		fi
	fi
	if [ "${SP_PKG_KEEP:-0}" = 1 ] || [ "$failed" -gt 0 ]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM HUP

# --- 1. what the packaging needs --------------------------------------------
check "packaging tools installed (dpkg-dev, debhelper, lintian, postgresql-server-dev-all)" \
	"$WORK/apt-tools.log" \
	sp_apt_install dpkg-dev debhelper fakeroot lintian build-essential git \
	postgresql-server-dev-all "postgresql-$PG_MAJOR" python3 || finish

# --- 2. a clean snapshot of the repository -----------------------------------
# A private index: HEAD, plus (worktree) every change and new file, or (head)
# only the new files.  checkout-index writes the snapshot, write-tree gives the
# tree that `make dist` turns into the PGXN zip (section 3).
snapshot() {
	local idx=$WORK/snapshot.index
	export GIT_INDEX_FILE=$idx
	git read-tree HEAD || return 1
	if [ "$SOURCE_MODE" = head ]; then
		git ls-files -z -o --exclude-standard | xargs -0 -r git add -- || return 1
	else
		git add -A . || return 1
	fi
	git checkout-index -a --prefix="$WORK/src/" || return 1
	git write-tree >"$WORK/snapshot.tree" || return 1
	unset GIT_INDEX_FILE
}
case $SOURCE_MODE in
	worktree|head) ;;
	*) echo "FAILED SP_PKG_SOURCE must be worktree or head, not $SOURCE_MODE"; finish ;;
esac
check "source snapshot ($SOURCE_MODE) in $WORK/src" "$WORK/snapshot.log" snapshot || finish
unset GIT_INDEX_FILE
SRC=$WORK/src
TREE=$(cat "$WORK/snapshot.tree")

# --- 3. versions, META.json, the dist zip ------------------------------------
EXTVERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$SRC/streampay.control")
DEBVERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version)
UPVERSION=${DEBVERSION%-*}
if [ -n "$EXTVERSION" ] && [ "$UPVERSION" = "$EXTVERSION" ]; then
	ok "debian/changelog $DEBVERSION matches streampay.control default_version $EXTVERSION"
else
	fail "debian/changelog $DEBVERSION vs streampay.control default_version '$EXTVERSION'"
fi

# PGXN Meta Spec 1.0.0 (https://pgxn.org/meta/spec.txt): required keys, their
# types, the allowed licenses, SemVer versions, existing files, and the
# versions agreeing with streampay.control.  One "ok"/"FAILED" line per rule.
python3 - "$SRC" "$EXTVERSION" >"$WORK/meta.out" 2>&1 <<'PY'
import json, os, re, sys

src, extversion = sys.argv[1], sys.argv[2]
results = []
def rule(what, good):
    results.append(("ok " if good else "FAILED ") + what)

try:
    with open(os.path.join(src, "META.json"), encoding="utf-8") as f:
        meta = json.load(f)
    rule("META.json is a JSON object", isinstance(meta, dict))
except (OSError, ValueError) as e:
    print("FAILED META.json parses as JSON: %s" % e)
    sys.exit(0)
if not isinstance(meta, dict):
    print("\n".join(results)); sys.exit(0)

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
                    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
TERM = re.compile(r"^[^/\\\s\x00-\x1f\x7f]{2,}$")
TAG = re.compile(r"^[^/\\\x00-\x1f\x7f]{2,255}$")
RANGE_ONE = (r"(?:(?:[=!]=|[<>]=?)\s*)?(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)"
             r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?")
RANGE = re.compile(r"^(?:0|%s(?:,\s*%s)*)$" % (RANGE_ONE, RANGE_ONE))
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2",
            "bsd", "freebsd", "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3",
            "lgpl_2_1", "lgpl_3_0", "mit", "mozilla_1_0", "mozilla_1_1",
            "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay", "sun",
            "zlib", "open_source", "restricted", "unrestricted", "unknown"}
KNOWN = {"name", "version", "abstract", "maintainer", "license", "provides",
         "meta-spec", "description", "generated_by", "tags", "no_index",
         "prereqs", "release_status", "resources"}
def nonempty_str(v): return isinstance(v, str) and len(v) > 0
def custom(k): return re.match(r"^[xX]_.", k) is not None

required = ["name", "version", "abstract", "maintainer", "license", "provides", "meta-spec"]
missing = [k for k in required if k not in meta]
rule("META.json has the required keys (%s)" % ", ".join(required)
     + (": missing " + ", ".join(missing) if missing else ""), not missing)
unknown = [k for k in meta if k not in KNOWN and not custom(k)]
rule("META.json has no unknown top-level keys" + (": " + ", ".join(unknown) if unknown else ""),
     not unknown)

ms = meta.get("meta-spec")
rule("meta-spec.version is 1.0.x",
     isinstance(ms, dict) and isinstance(ms.get("version"), str)
     and re.match(r"^1\.0\.\d+$", ms["version"]) is not None
     and ms.get("url", "https://pgxn.org/meta/spec.txt") in
         ("https://pgxn.org/meta/spec.txt", "http://pgxn.org/meta/spec.txt")
     and all(k in ("version", "url") or custom(k) for k in ms))
rule("name is a Term", isinstance(meta.get("name"), str) and TERM.match(meta["name"]) is not None)
rule("version %r is SemVer" % meta.get("version"),
     isinstance(meta.get("version"), str) and SEMVER.match(meta["version"]) is not None)
rule("version %r equals streampay.control default_version %r" % (meta.get("version"), extversion),
     meta.get("version") == extversion)
rule("abstract is a non-empty string", nonempty_str(meta.get("abstract")))
m = meta.get("maintainer")
rule("maintainer is a string or a list of strings",
     nonempty_str(m) or (isinstance(m, list) and len(m) > 0 and all(nonempty_str(x) for x in m)))
lic = meta.get("license")
rule("license %r is one the spec knows" % (lic,),
     (isinstance(lic, str) and lic in LICENSES)
     or (isinstance(lic, list) and len(lic) > 0 and all(x in LICENSES for x in lic))
     or (isinstance(lic, dict) and len(lic) > 0 and all(nonempty_str(v) for v in lic.values())))

prov = meta.get("provides")
good = isinstance(prov, dict) and len(prov) > 0
rule("provides names at least one extension", good)
if good:
    for ext, p in prov.items():
        ok = isinstance(p, dict) and TERM.match(ext) is not None
        ok = ok and all(k in ("file", "version", "abstract", "docfile", "docpath") or custom(k) for k in p)
        rule("provides.%s has only the spec's keys, file and version" % ext,
             ok and nonempty_str(p.get("file")) and nonempty_str(p.get("version")))
        if not isinstance(p, dict):
            continue
        for key in ("file", "docfile"):
            if key in p:
                path = p[key]
                rule("provides.%s.%s %r exists in the distribution" % (ext, key, path),
                     isinstance(path, str) and not path.startswith("/") and ".." not in path.split("/")
                     and os.path.isfile(os.path.join(src, path)))
        rule("provides.%s.version %r is SemVer and equals default_version %r"
             % (ext, p.get("version"), extversion),
             isinstance(p.get("version"), str) and SEMVER.match(p["version"]) is not None
             and p["version"] == extversion)
        if "abstract" in p:
            rule("provides.%s.abstract is a non-empty string" % ext, nonempty_str(p["abstract"]))
        control = os.path.join(src, ext + ".control")
        rule("provides.%s has a control file %s.control" % (ext, ext), os.path.isfile(control))

if "prereqs" in meta:
    pr = meta["prereqs"]
    good = isinstance(pr, dict) and len(pr) > 0
    for phase, rels in (pr.items() if good else []):
        if custom(phase):
            continue
        good = good and phase in ("configure", "build", "test", "runtime", "develop") and isinstance(rels, dict)
        for rel, deps in (rels.items() if isinstance(rels, dict) else []):
            if custom(rel):
                continue
            good = good and rel in ("requires", "recommends", "suggests", "conflicts") and isinstance(deps, dict)
            for dep, rng in (deps.items() if isinstance(deps, dict) else []):
                good = good and TERM.match(dep) is not None and (
                    rng == 0 or (isinstance(rng, str) and RANGE.match(rng) is not None))
    rule("prereqs: phases, relationships and version ranges are the spec's", good)
    pgreq = pr.get("runtime", {}).get("requires", {}).get("PostgreSQL") if good else None
    rule("prereqs.runtime.requires.PostgreSQL is %r (PostgreSQL 15 or later)" % (pgreq,),
         isinstance(pgreq, str) and re.match(r"^(>=\s*)?15\.0\.0$", pgreq) is not None)
if "release_status" in meta:
    rule("release_status %r is stable, testing or unstable" % meta["release_status"],
         meta["release_status"] in ("stable", "testing", "unstable"))
if "tags" in meta:
    t = meta["tags"]
    rule("tags are 2..255-character strings without / or \\",
         isinstance(t, list) and len(t) > 0 and all(isinstance(x, str) and TAG.match(x) for x in t))
for key in ("description", "generated_by"):
    if key in meta:
        rule("%s is a non-empty string" % key, nonempty_str(meta[key]))
if "resources" in meta:
    r = meta["resources"]
    rule("resources has only homepage, bugtracker, repository",
         isinstance(r, dict) and all(k in ("homepage", "bugtracker", "repository") or custom(k) for k in r))
print("\n".join(results))
PY
while read -r line; do
	case $line in
		"ok "*) ok "META.json: ${line#ok }" ;;
		"FAILED "*) fail "META.json: ${line#FAILED }" ;;
		*) echo "    $line" ;;
	esac
done <"$WORK/meta.out"

# `make dist` itself: the Makefile's target archives a clean HEAD (git archive
# --format zip --prefix=streampay-<version>/ HEAD), so it runs in a clone of
# the repository (sharing its objects) whose HEAD is a commit of the
# snapshot's tree; the repository's refs, index and files stay as they are.
# A warning about uncommitted changes fails the check: the clone is clean.
DIST=$WORK/dist
ZIP=$DIST/streampay-$EXTVERSION.zip
make_dist() {
	local commit
	commit=$(GIT_AUTHOR_NAME=test/package.sh GIT_AUTHOR_EMAIL=package@streampay.invalid \
		GIT_COMMITTER_NAME=test/package.sh GIT_COMMITTER_EMAIL=package@streampay.invalid \
		git commit-tree -m "test/package.sh: snapshot ($SOURCE_MODE)" "$TREE") || return 1
	git clone -q --shared --no-checkout "$PWD" "$DIST" &&
		git -C "$DIST" checkout -q --detach "$commit" &&
		make -C "$DIST" --no-print-directory dist PG_CONFIG="$PG_CONFIG" || return 1
	! grep -q '^warning:' "$WORK/dist.log"
}
if make_dist >"$WORK/dist.log" 2>&1 && [ -f "$ZIP" ]; then
	python3 - "$ZIP" "streampay-$EXTVERSION/" >"$WORK/dist.out" 2>&1 <<'PY'
import sys, zipfile
z, prefix = zipfile.ZipFile(sys.argv[1]), sys.argv[2]
names = set(z.namelist())
bad = [n for n in names if not n.startswith(prefix)]
need = ["META.json", "Makefile", "streampay.control", "README.md", "LICENSE",
        "sql/streampay--0.1.0.sql", "src/streampay.c", "expected/schema.out", "test/specs/"]
missing = [n for n in need if prefix + n not in names]
shipped = [n for n in ("debian/", ".ci/") if prefix + n in names]
print("%d entries" % len(names))
if bad: print("outside %s: %s" % (prefix, bad[:5]))
if missing: print("missing: %s" % missing)
if shipped: print("should be export-ignore'd: %s" % shipped)
sys.exit(1 if bad or missing or shipped else 0)
PY
	if [ $? -eq 0 ]; then
		ok "make dist: streampay-$EXTVERSION.zip ($(head -1 "$WORK/dist.out")) has META.json, Makefile, control, sql/, src/, tests, README.md, LICENSE and no debian/ or .ci/"
	else
		fail "make dist: streampay-$EXTVERSION.zip: $(tr '\n' ' ' <"$WORK/dist.out")"
	fi
else
	fail "make dist ($WORK/dist.log)"
	tail -n 20 "$WORK/dist.log" | sed 's/^/    /'
fi

# --- 4. build the packages, lintian ------------------------------------------
# The orig tarball is the snapshot without debian/, as `git archive` makes it.
BUILD=$WORK/build
mkdir -p "$BUILD"
cp -a "$SRC" "$BUILD/streampay-$UPVERSION"
tar -C "$BUILD" --exclude="streampay-$UPVERSION/debian" -czf "$BUILD/streampay_$UPVERSION.orig.tar.gz" "streampay-$UPVERSION"

check "Build-Depends installed (apt-get build-dep)" "$WORK/build-dep.log" \
	bash -c "cd '$BUILD/streampay-$UPVERSION' && { dpkg-checkbuilddeps 2>/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends ./; }; }" || finish

mkdir -p "$WORK/control-check"
cp -a "$SRC/debian" "$WORK/control-check/"
check "debian/control is up to date with control.in (pg_buildext updatecontrol)" "$WORK/control.log" \
	bash -c "cd '$WORK/control-check' && pg_buildext updatecontrol && diff -u '$SRC/debian/control' debian/control"

# A failing build-time installcheck (dh_pgxs_test) fails the build; it is
# reported, and the packages are built again without it so that the install,
# the suites against the installed package and the removal still run.
# build_pkgs [DEB_BUILD_OPTIONS]
# shellcheck disable=SC2120
build_pkgs() {
	rm -rf "$BUILD/streampay-$UPVERSION"
	cp -a "$SRC" "$BUILD/streampay-$UPVERSION"
	(cd "$BUILD/streampay-$UPVERSION" && DEB_BUILD_OPTIONS=${1-${DEB_BUILD_OPTIONS:-}} dpkg-buildpackage -us -uc)
}
BUILD_TESTED=1
[[ " ${DEB_BUILD_OPTIONS:-} " == *" nocheck "* ]] && BUILD_TESTED=0
if build_pkgs >"$WORK/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc (source + binary$([ "$BUILD_TESTED" = 1 ] && echo ', build-time installcheck'))"
elif [ "$BUILD_TESTED" = 1 ] && grep -q '^dh_pgxs_test: error' "$WORK/build.log"; then
	fail "build-time installcheck (dh_pgxs_test, debian/$PKG in pg_virtualenv) ($WORK/build-tested.log)"
	sed -n '/^\*\*\*\* regression.diffs/,/^### End/p' "$WORK/build.log" | head -n 60 | sed 's/^/    /'
	BUILD_TESTED=0
	mv "$WORK/build.log" "$WORK/build-tested.log"
	check "dpkg-buildpackage -us -uc again with DEB_BUILD_OPTIONS=nocheck, to go on" "$WORK/build.log" \
		build_pkgs "${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }nocheck" || finish
else
	fail "dpkg-buildpackage -us -uc ($WORK/build.log)"
	tail -n 40 "$WORK/build.log" | sed 's/^/    /'
	finish
fi
DEB=$BUILD/${PKG}_${DEBVERSION}_$(dpkg --print-architecture).deb
CHANGES=$BUILD/streampay_${DEBVERSION}_$(dpkg --print-architecture).changes
if [ -f "$DEB" ] && [ -f "$CHANGES" ]; then
	ok "built $(basename "$DEB")"
else
	fail "no $(basename "$DEB") or $(basename "$CHANGES")"
	finish
fi
if grep -E '^gcc .* -Werror .*-Wall -Wextra .*-c -o src/' "$WORK/build.log" >/dev/null &&
	! grep -E '^gcc .*-c -o src/' "$WORK/build.log" | grep -v -- ' -Werror ' >/dev/null; then
	ok "every C file compiled with -Wall -Wextra -Werror"
else
	fail "not every C file compiled with -Wall -Wextra -Werror"
fi
# every test the Makefile lists (REGRESS, ISOLATION) must run and pass
TESTS=$(printf 'sp-print-tests:\n\t@echo $(REGRESS) $(ISOLATION)\n' |
	make -s --no-print-directory -C "$SRC" -f Makefile -f - sp-print-tests PG_CONFIG="$PG_CONFIG" 2>/dev/null)
N_TESTS=$(echo $TESTS | wc -w)
# suite_ok LOG: every one of $TESTS reported "ok" in LOG, none "FAILED"
suite_ok() {
	local t
	[ "$N_TESTS" -gt 0 ] || return 1
	grep -qE '^(test | )?[a-z_]+ +\.\.\. FAILED' "$1" && return 1
	for t in $TESTS; do
		grep -qE "^(test | )?$t +\.\.\. ok" "$1" || return 1
	done
}
if [ "$BUILD_TESTED" = 0 ]; then
	[ -f "$WORK/build-tested.log" ] || echo "skip build-time installcheck (DEB_BUILD_OPTIONS=nocheck)"
elif suite_ok "$WORK/build.log"; then
	ok "build-time installcheck (dh_pgxs_test, debian/$PKG in pg_virtualenv): all $N_TESTS tests pass"
else
	fail "build-time installcheck (dh_pgxs_test): not all of the $N_TESTS tests passed ($WORK/build.log)"
fi

mkdir -p "$WORK/lintian-home"
chown nobody "$WORK/lintian-home"
chmod -R a+rX "$BUILD"
runuser -u nobody -- env HOME="$WORK/lintian-home" TMPDIR="$WORK/lintian-home" \
	lintian --display-info --pedantic "$CHANGES" >"$WORK/lintian.log" 2>&1
lintian_rc=$?
echo "lintian --display-info --pedantic $(basename "$CHANGES") (the .dsc, .debs, .buildinfo):"
if [ -s "$WORK/lintian.log" ]; then sed 's/^/    /' "$WORK/lintian.log"; else echo "    (no tags)"; fi
n_err=$(grep -c '^E: ' "$WORK/lintian.log")
n_warn=$(grep -c '^W: ' "$WORK/lintian.log")
if [ "$lintian_rc" -eq 0 ] && [ "$n_err" -eq 0 ]; then
	ok "lintian: 0 errors, $n_warn warnings"
else
	fail "lintian: $n_err errors, $n_warn warnings (exit $lintian_rc)"
fi

# --- 5. install the package, a new cluster, the suites -----------------------
# the developer install (files no package owns): keep a copy, see the header
{
	find "$LIBDIR" -maxdepth 1 -name 'streampay*'
	[ -d "$LIBDIR/bitcode" ] && find "$LIBDIR/bitcode" -maxdepth 1 -name 'streampay*'
	find "$EXTDIR" -maxdepth 1 -name 'streampay*'
} 2>/dev/null | while read -r f; do
	dpkg -S "$f" >/dev/null 2>&1 || echo "$f"
done >"$BACKUP_LIST"
if [ -s "$BACKUP_LIST" ]; then
	sed 's|^/||' "$BACKUP_LIST" | tar -cpf "$BACKUP" -C / -T - 2>"$WORK/backup.log" &&
		ok "backed up the developer install ($(wc -l <"$BACKUP_LIST") unowned streampay files)" ||
		{ fail "backing up the developer install ($(cat "$WORK/backup.log"))"; : >"$BACKUP_LIST"; finish; }
fi

if dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -q '^installed'; then
	echo "    note: $PKG $(dpkg-query -W -f='${Version}' "$PKG") was installed before; it is replaced and removed at the end"
fi
INSTALLED_BY_US=1
check "apt-get install ./$(basename "$DEB")" "$WORK/install.log" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$DEB" || finish
owner=$(dpkg -S "$LIBDIR/streampay.so" 2>/dev/null | cut -d: -f1)
if [ "$owner" = "$PKG" ] && [ -f "$EXTDIR/streampay.control" ] && dpkg -S "$EXTDIR/streampay.control" >/dev/null 2>&1; then
	ok "dpkg -S: streampay.so and streampay.control belong to $PKG"
else
	fail "dpkg -S $LIBDIR/streampay.so says '${owner:-nobody}'"
fi
so_stat_before=$(stat -c '%i %Y %s' "$LIBDIR/streampay.so")

PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/streampay-pkg-pg.XXXXXX")
chown postgres "$PGDIR"
chmod 700 "$PGDIR"
PORT=${SP_PORT:-$((55000 + RANDOM % 1000))}
check "new cluster: initdb -A trust as postgres, port $PORT, socket in $PGDIR" "$WORK/initdb.log" \
	sp_as_pg "$PG_BIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 || finish
check "pg_ctl start (listen_addresses='', Unix socket only)" "$WORK/pg_ctl.log" \
	sp_as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -w -l "$PGDIR/server.log" \
	-o "-p $PORT -k $PGDIR -c listen_addresses=''" start || { tail -20 "$PGDIR/server.log"; finish; }
export PGHOST=$PGDIR PGPORT=$PORT PGUSER=postgres
PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At)

"${PSQL[@]}" -d postgres -c 'CREATE DATABASE package_smoke' >"$WORK/smoke.log" 2>&1
got=$("${PSQL[@]}" -d package_smoke 2>>"$WORK/smoke.log" <<'SQL'
CREATE EXTENSION streampay;
SELECT extversion FROM pg_extension WHERE extname = 'streampay';
SELECT count(*) > 0 FROM pg_proc WHERE proname LIKE 'streampay%';
SQL
)
if [ "$got" = "$(printf '%s\nt' "$EXTVERSION")" ]; then
	ok "CREATE EXTENSION streampay from the package: version $EXTVERSION, functions present"
else
	fail "CREATE EXTENSION streampay: got '$got' ($(tail -3 "$WORK/smoke.log"))"
fi
got=$("${PSQL[@]}" -d package_smoke 2>>"$WORK/smoke.log" <<'SQL'
DROP EXTENSION streampay CASCADE;
CREATE EXTENSION streampay VERSION '0.1.0';
ALTER EXTENSION streampay UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'streampay';
SQL
)
if [ "$got" = "$EXTVERSION" ]; then
	ok "CREATE EXTENSION streampay VERSION '0.1.0' + ALTER EXTENSION UPDATE reach $EXTVERSION"
else
	fail "upgrade path from 0.1.0: got '$got' ($(tail -3 "$WORK/smoke.log"))"
fi

# make installcheck from an unbuilt copy: pg_regress and pg_isolation_regress
# against the installed package (PGXS's installcheck builds nothing)
CHECK=$WORK/check/streampay
mkdir -p "$WORK/check"
cp -a "$SRC" "$CHECK"
make -C "$CHECK" installcheck PG_CONFIG="$PG_CONFIG" >"$WORK/installcheck.log" 2>&1
ic_rc=$?
while read -r name result; do
	if [ "$result" = ok ]; then ok "installcheck (installed package): $name"; else fail "installcheck (installed package): $name"; fi
done < <(sed -nE 's/^(test | )?([a-z_]+) +\.\.\. (ok|FAILED).*/\2 \3/p' "$WORK/installcheck.log")
if [ "$ic_rc" -eq 0 ] && suite_ok "$WORK/installcheck.log"; then
	ok "make installcheck against the installed package: all $N_TESTS tests ($(echo $TESTS | tr ' ' ',')) pass"
else
	fail "make installcheck against the installed package (exit $ic_rc; $WORK/installcheck.log)"
	for d in "$CHECK/regression.diffs" "$CHECK/output_iso/regression.diffs"; do
		[ -f "$d" ] && head -60 "$d" | sed 's/^/    /'
	done
fi
built=$(find "$CHECK" \( -name '*.o' -o -name '*.so' -o -name '*.bc' \) | head -3)
owner=$(dpkg -S "$LIBDIR/streampay.so" 2>/dev/null | cut -d: -f1)
if [ -z "$built" ] && [ "$owner" = "$PKG" ] &&
	[ "$(stat -c '%i %Y %s' "$LIBDIR/streampay.so")" = "$so_stat_before" ] &&
	dpkg --verify "$PKG" >"$WORK/verify.log" 2>&1 && [ ! -s "$WORK/verify.log" ]; then
	ok "installcheck built and installed nothing (dpkg -S, dpkg --verify $PKG clean)"
else
	fail "installcheck touched the install: built='$built' owner='$owner' verify='$(cat "$WORK/verify.log")'"
fi

# the autopkgtest (debian/tests/installcheck: pg_buildext installcheck in a
# pg_virtualenv cluster) against the installed package, from another copy
cp -a "$SRC" "$WORK/autopkgtest"
bash -c "cd '$WORK/autopkgtest' && sh debian/tests/installcheck" >"$WORK/autopkgtest.log" 2>&1
ap_rc=$?
if [ "$ap_rc" -eq 0 ] && suite_ok "$WORK/autopkgtest.log"; then
	ok "autopkgtest debian/tests/installcheck (pg_buildext installcheck in pg_virtualenv): all $N_TESTS tests pass"
else
	fail "autopkgtest debian/tests/installcheck (exit $ap_rc; $WORK/autopkgtest.log)"
	if grep -q '^\*\*\*\* .*regression.diffs' "$WORK/autopkgtest.log"; then
		sed -n '/^\*\*\*\* .*regression.diffs/,$p' "$WORK/autopkgtest.log" | head -n 60 | sed 's/^/    /'
	else
		tail -n 40 "$WORK/autopkgtest.log" | sed 's/^/    /'
	fi
fi

check "pg_ctl stop" "$WORK/pg_stop.log" sp_as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop
rm -rf "$PGDIR"
PGDIR=""
unset PGHOST PGPORT PGUSER

# --- 6. remove the package ---------------------------------------------------
check "apt-get remove -y $PKG" "$WORK/remove.log" \
	env DEBIAN_FRONTEND=noninteractive apt-get remove -y "$PKG"
status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)
if [ "$status" = not-installed ] || [ -z "$status" ]; then
	ok "$PKG is not installed (no conffiles left)"
else
	fail "$PKG status after remove: $status"
fi
left=$( { find "$LIBDIR" "$EXTDIR" -maxdepth 1 -name 'streampay*'; [ -d "$LIBDIR/bitcode" ] && find "$LIBDIR/bitcode" -maxdepth 1 -name 'streampay*'; } 2>/dev/null)
if [ -z "$left" ]; then
	ok "no streampay file left in $LIBDIR, $LIBDIR/bitcode, $EXTDIR"
else
	fail "left after remove: $(echo "$left" | tr '\n' ' ')"
fi
INSTALLED_BY_US=0

# put the developer install back now, so that it can be checked
if [ -s "$BACKUP_LIST" ]; then
	if tar -xpf "$BACKUP" -C / 2>"$WORK/restore.log" &&
		gone=$(while read -r f; do [ -e "$f" ] || echo "$f"; done <"$BACKUP_LIST") && [ -z "$gone" ]; then
		ok "developer install restored ($(wc -l <"$BACKUP_LIST") files)"
		: >"$BACKUP_LIST"
	else
		fail "restoring the developer install ($(cat "$WORK/restore.log") ${gone:-})"
	fi
fi

finish
