#!/usr/bin/env bash
# Runs every test project of FastPath.sln and prints one line: "N passed, N failed, N skipped".
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter "FullyQualifiedName~Wire"]
# Tests that need root, network namespaces or a peer tool skip with the reason; with
# FASTPATH_REQUIRE_NETNS=1 (what CI sets) they fail instead.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results=TestResults
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build FastPath.sln -c Release --nologo -v q -clp:ErrorsOnly; then
    echo "build failed"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

status=0
# A soak (FASTPATH_SOAK_SECONDS) is one test that runs that long, and its generator may take up to 3x to catch up under load.
hang=10m; [ -n "${FASTPATH_SOAK_SECONDS:-}" ] && hang="$(( FASTPATH_SOAK_SECONDS * 3 / 60 + 15 ))m"
for project in tests/*.Tests/*.csproj; do
    name=$(basename "$project" .csproj)
    echo "== $name"
    # --blame-hang kills a hung test host and names the test, so a hang is a failure with a culprit.
    dotnet test "$project" -c Release --no-build --nologo \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
        --results-directory "$results" --blame-hang-timeout "$hang" "$@" || status=1
done

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    files=$((files + 1))
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
    passed=$((passed + $(get passed)))
    failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
    skipped=$((skipped + $(get notExecuted)))
done

expected=$(ls tests/*.Tests/*.csproj | wc -l)
if [ "$files" -ne "$expected" ]; then
    echo "only $files of $expected test projects wrote results (a test host crashed?)"
    failed=$((failed + expected - files))
fi
if [ "$passed" -eq 0 ]; then
    echo "no test passed"
    status=1
fi
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
