# tests/dnsbl/rbldnsd.sh - start and stop a loopback rbldnsd with the test zones.
# Sourced (bash) by tests/script/dnsbl_*.sh and bench/dnsbl_bench.sh:
#
#   . "$BS_SOURCE_DIR/tests/dnsbl/rbldnsd.sh"
#   rbl_start [EXTRA_ZONESPEC...] || exit 1   # sets RBL_PORT, RBL_PID; extra specs are
#                                             # name:type:/abs/file (e.g. the bench's zones)
#   trap rbl_stop EXIT                        # stop it by its PID whatever happens
#   silent_start DIR; ... silent_stop          # a UDP socket that never answers (SILENT_PORT)
#
# rbldnsd runs in the foreground (-n) as our background child, so $! is its PID.
# As root it must be told a user (-u): it refuses to serve as root.
# Zones (see the .zone files): zen.test (ip4set x2 + ip6tset), refuse.test
# (127.255.255.254 for all), world.test (lists all), loop.test (127.0.0.1 for all),
# dbl.test (dnset).

RBL_DIR=${BS_SOURCE_DIR:?}/tests/dnsbl

rbl_start() {
    if ! command -v rbldnsd >/dev/null 2>&1; then
        echo "rbldnsd is not installed (Debian: apt-get install rbldnsd)" >&2
        return 1
    fi
    local user=()
    if [ "$(id -u)" = 0 ]; then
        if getent passwd rbldns >/dev/null; then user=(-u rbldns); else user=(-u nobody); fi
    fi
    RBL_LOG=$(mktemp "${TMPDIR:-/tmp}/rbldnsd.XXXXXX")
    local try
    for try in 1 2 3 4 5; do
        RBL_PORT=$(python3 "$RBL_DIR/dnsq.py" freeport) || return 1
        rbldnsd -n "${user[@]}" -b "127.0.0.1/$RBL_PORT" -w "$RBL_DIR" -t 300 \
            zen.test:ip4set:zen-sbl.zone zen.test:ip4set:zen-xbl.zone zen.test:ip6tset:zen6.zone \
            refuse.test:ip4set:refuse.zone world.test:ip4set:world.zone loop.test:ip4set:loop.zone \
            dbl.test:dnset:dbl.zone "$@" >"$RBL_LOG" 2>&1 &
        RBL_PID=$!
        if python3 "$RBL_DIR/dnsq.py" wait "$RBL_PORT" 2.0.0.127.zen.test 10; then
            return 0
        fi
        kill "$RBL_PID" 2>/dev/null
        wait "$RBL_PID" 2>/dev/null
        RBL_PID=
    done
    echo "rbldnsd did not start; its output:" >&2
    cat "$RBL_LOG" >&2
    return 1
}

rbl_stop() {
    if [ -n "${RBL_PID:-}" ]; then
        kill "$RBL_PID" 2>/dev/null
        wait "$RBL_PID" 2>/dev/null
        RBL_PID=
    fi
    [ -n "${RBL_LOG:-}" ] && rm -f "$RBL_LOG"
    return 0
}

# silent_start DIR / silent_stop: a UDP socket on loopback that never answers
# (for timeout tests); sets SILENT_PORT and SILENT_PID
silent_start() {
    python3 "$RBL_DIR/dnsq.py" silent "$1/silent.port" &
    SILENT_PID=$!
    local _
    for _ in $(seq 50); do [ -s "$1/silent.port" ] && break; sleep 0.1; done
    SILENT_PORT=$(cat "$1/silent.port")
}

silent_stop() {
    if [ -n "${SILENT_PID:-}" ]; then
        kill "$SILENT_PID" 2>/dev/null
        wait "$SILENT_PID" 2>/dev/null
        SILENT_PID=
    fi
    return 0
}
