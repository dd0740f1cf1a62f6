#!/usr/bin/env bash
# Runs every test against real CPython. Used by the README and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build PluginHost.sln -c Release --nologo -v quiet
dotnet test PluginHost.sln -c Release --no-build --nologo -v quiet --logger "console;verbosity=normal" 2>&1 | tee /tmp/pluginhost-test.log
# One plain closing line for CI: "N passed, N failed".
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed\n", p, f }' /tmp/pluginhost-test.log
