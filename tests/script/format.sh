#!/usr/bin/env bash
# format.sh - the C sources follow .clang-format: `clang-format --dry-run
# --Werror` over src/ and tests/ must print nothing. Fix drift with
#   git ls-files '*.c' '*.h' | xargs clang-format -i
# clang-format is installed by ./bootstrap.sh test; without it the test
# fails (it would otherwise pass by checking nothing).
set -uo pipefail
SRC=${BS_SOURCE_DIR:?}
cd "$SRC" || exit 1
if ! command -v clang-format >/dev/null; then
    echo "FAIL: clang-format is not installed (./bootstrap.sh test installs it)"
    exit 1
fi
files=$(find src tests -name '*.[ch]' | sort)
if ! out=$(clang-format --dry-run --Werror $files 2>&1) || [ -n "$out" ]; then
    printf '%s\n' "$out" | head -40
    echo "FAIL: $(printf '%s\n' "$out" | grep -c 'error:') lines differ from .clang-format"
    exit 1
fi
echo "format: $(echo "$files" | wc -l) files clean"
