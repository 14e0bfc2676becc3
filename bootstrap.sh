#!/usr/bin/env bash
# bootstrap.sh - the two commands of README.md, for a fresh Debian 12 clone.
#
#   ./bootstrap.sh example   install what is missing, build, scan the bundled example log
#   ./bootstrap.sh test      install what is missing, build (gcc plain, gcc ASan+UBSan, clang
#                            ASan+UBSan with the libFuzzer harnesses), run all tests in each
#
# Packages are installed with apt-get only when missing (as root, or through sudo).
# Builds go to build/ (release), build-asan/ (sanitizers) and build-clang/ (clang, sanitizers,
# fuzz harnesses: each fuzzes BS_FUZZ_SECONDS=20 as a CTest test); all are reused.
set -euo pipefail
cd "$(dirname "$0")"

# one package a line: what is built against, and the tools the tests need
PACKAGES=(
    build-essential
    cmake
    pkg-config
    libpcre2-dev
    libsqlite3-dev
    libc-ares-dev
    check
    zlib1g-dev
    liblzma-dev
    libbz2-dev
    libzstd-dev
    libpsl-dev
    publicsuffix
    libsystemd-dev
    rbldnsd
    python3
)
TEST_PACKAGES=(
    chromium  # the browser test renders the HTML report
    clang-format  # tests/script/format.sh
    xz-utils  # compressed inputs
    bzip2
    zstd
    man-db  # the man page test
    groff-base
    systemd-journal-remote  # real journal files for the journal tests
    clang  # -Werror must hold for both compilers; the fuzz harnesses
    libclang-rt-14-dev  # libclang_rt.fuzzer (clang only recommends it)
    systemd  # systemd-analyze verify checks the example units
)

need_install() { # [extra packages...]
    local missing=()
    for p in "${PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    echo "bootstrap: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # rbldnsd's package starts a service on install where it can; we only need the binary
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() { # build DIR [cmake args...]
    local dir=$1
    shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)" >/dev/null
}

case "${1:-}" in
example)
    need_install
    build build
    # --no-db: a demonstration, not history; --year: the story happened in 2018
    exec ./build/bouncescope scan --no-db --no-dns --year 2018 examples/maillog
    ;;
test)
    need_install "${TEST_PACKAGES[@]}"
    build build
    build build-asan -DBS_SANITIZE=ON
    build build-clang -DCMAKE_C_COMPILER=clang -DBS_FUZZ=ON
    echo "== tests (release build) =="
    (cd build && ctest --output-on-failure -j2)
    echo "== tests (ASan + UBSan build) =="
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -j2)
    # clang sees undefined behaviour gcc's UBSan does not (NULL + 0); the fuzz_* tests run
    # each harness from its seed corpus and fail on any crash, hang or sanitizer report
    echo "== tests (clang ASan + UBSan build, with the fuzz harnesses) =="
    (cd build-clang && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -j2)
    ;;
*)
    echo "usage: $0 example|test" >&2
    exit 1
    ;;
esac
