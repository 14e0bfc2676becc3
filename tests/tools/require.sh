# tests/tools/require.sh - a test script's outside tools. Sourced (bash):
#
#   . "$BS_SOURCE_DIR/tests/tools/require.sh"
#   require python3 "the DOM checks"
#
# A test never passes by checking nothing. When TOOL is missing:
#   CI=true   the test fails (CI must have every tool: .ci/run sets CI=true)
#   otherwise the test is skipped with exit status 77, which CTest reports as
#             "Skipped" (SKIP_RETURN_CODE in CMakeLists.txt), not as passed
require() { # TOOL WHY
    command -v "$1" > /dev/null 2>&1 && return 0
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $1 is not installed ($2) - CI=true needs every tool (./bootstrap.sh test installs it)"
        exit 1
    fi
    echo "SKIP: $1 is not installed ($2)"
    exit 77
}
