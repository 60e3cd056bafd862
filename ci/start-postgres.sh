#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for parbench's history tests and prints its URL:
#   url=$(ci/start-postgres.sh)          # start (or find the one already running)
#   ci/start-postgres.sh --stop          # stop it and delete its files
# The server runs from a temporary directory ($PARBENCH_PG_DIR, default /tmp/parbench-postgres),
# listens on 127.0.0.1 only, on the first free port from 55432, and asks for a password (a
# random one, in the printed URL) over TCP. Run as root, it runs the server as the `postgres`
# user (PostgreSQL refuses to run as root); otherwise as the calling user. Idempotent: a second
# start prints the running server's URL. Needs the Debian package `postgresql` (initdb, pg_ctl).
set -euo pipefail

dir=${PARBENCH_PG_DIR:-${TMPDIR:-/tmp}/parbench-postgres}

find_bin() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir)
        if [ -x "$d/initdb" ]; then
            echo "$d"
            return
        fi
    fi
    d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V -r | head -n 1)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
        return
    fi
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    echo "start-postgres: no initdb found; install PostgreSQL (apt-get install postgresql)" >&2
    exit 2
}

# Runs a command as the server's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

bin=$(find_bin)

if [ "${1:-}" = "--stop" ]; then
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit 0
fi

if [ -f "$dir/url" ] && [ -f "$dir/data/postmaster.pid" ] &&
    as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    cat "$dir/url"
    exit 0
fi

# A stale directory (a server that died, or a half-made one) is started afresh.
if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
fi
rm -rf "$dir"
mkdir -p "$dir/sock"
chmod 700 "$dir"
password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
umask 077
printf '%s\n' "$password" >"$dir/pwfile"
if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$dir"
fi
as_owner "$bin/initdb" -D "$dir/data" -U parbench --pwfile="$dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 2
}
rm -f "$dir/pwfile"

# The first port from 55432 that nothing listens on.
port=55432
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
done

as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -h 127.0.0.1 -k $dir/sock -c max_connections=200 -c fsync=off" start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 2
}
url="postgres://parbench:$password@127.0.0.1:$port/postgres"
printf '%s\n' "$url" >"$dir/url"
echo "$url"
