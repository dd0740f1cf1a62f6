#!/usr/bin/env bash
# Builds the host and runs it with the bundled sample plugins (embedded defaults, no external services).
# Extra arguments go to pluginhost, e.g. `scripts/run.sh list` or `scripts/run.sh --PluginHost:StopTimeout=00:00:05`.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Host -c Release --nologo -v quiet
# Sample plugins' .NET parts build into their dotnet/ folders (none is fine).
shopt -s nullglob
for project in plugins/*/src/*.csproj; do
  dotnet build "$project" -c Release --nologo -v quiet
done
exec dotnet src/Host/bin/Release/net10.0/pluginhost.dll "$@"
