#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests marked `db` (issue #15).
#   scripts/pg_test_server.sh start DIR PORT   initdb (trust on 127.0.0.1), start, createdb;
#                                              prints the URL for IC_TEST_POSTGRES_URL
#   scripts/pg_test_server.sh stop DIR         stop the server, remove DIR
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` system
# user (Debian's package creates it). Binaries: PG_BIN, else the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

action=${1:?usage: $0 start DIR PORT | stop DIR}
dir=${2:?usage: $0 start DIR PORT | stop DIR}
port=${3:-55432}
dbname=ic_test

if [[ -z "${PG_BIN:-}" ]]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$PG_BIN" ]] && command -v pg_ctl >/dev/null; then
        PG_BIN=$(dirname "$(command -v pg_ctl)")
    fi
fi
if [[ -z "${PG_BIN:-}" || ! -x "$PG_BIN/pg_ctl" ]]; then
    echo "pg_ctl not found (apt-get install postgresql)" >&2
    exit 3
fi

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$action" in
start)
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir"
    fi
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # TLS as an office server has it: a CA of its own (DIR/ca.crt, also the server's
    # ssl_ca_file, so a test finds it with SHOW ssl_ca_file) and a certificate for the
    # name "localhost" only — sslmode=verify-full succeeds for localhost, fails for 127.0.0.1.
    tls=()
    if command -v openssl >/dev/null; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=IC test CA" \
            -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
        printf 'subjectAltName=DNS:localhost\n' >"$dir/san.ext"
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
            -CAcreateserial -days 3650 -extfile "$dir/san.ext" -out "$dir/server.crt" \
            >/dev/null 2>&1
        chmod 600 "$dir/server.key" "$dir/ca.key"
        chmod 644 "$dir/ca.crt" "$dir/server.crt"
        if [[ $(id -u) -eq 0 ]]; then
            chown postgres: "$dir"/server.* "$dir"/ca.*
        fi
        tls=(-c ssl=on -c "ssl_cert_file=$dir/server.crt" -c "ssl_key_file=$dir/server.key"
             -c "ssl_ca_file=$dir/ca.crt")
    fi
    # Only TCP on 127.0.0.1 (and localhost); the socket in DIR (never /var/run/postgresql).
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off ${tls[*]}" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$dbname"
    echo "postgresql://postgres@127.0.0.1:$port/$dbname"
    ;;
stop)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
