#!/usr/bin/env bash
# Runs the host with the bundled sample plugins (embedded defaults, no external services), building it first when
# its sources are newer than the build (quietly: build output only when the build fails).
# Extra arguments go to pluginhost, e.g. `scripts/run.sh list` or `scripts/run.sh --PluginHost:StopTimeout=00:00:05`.
set -euo pipefail
cd "$(dirname "$0")/.."

# True when $1 (a built file) is missing or any of the files that find selects with the remaining arguments is newer.
stale() {
  local built=$1
  shift
  [[ ! -e $built ]] || [[ -n $(find "$@" -newer "$built" -print -quit 2>/dev/null) ]]
}

# dotnet build without its banner and summary; its output is shown only if it fails.
build() {
  local log
  log=$(mktemp)
  echo "scripts/run.sh: building $1" >&2
  if ! dotnet build "$1" -c Release --nologo -v quiet -clp:NoSummary >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

host=src/Host/bin/Release/net10.0
if stale "$host/pluginhost.dll" src Directory.Build.props Directory.Packages.props docs/plugin-manifest.schema.json \
     \( -path '*/bin' -o -path '*/obj' \) -prune -o -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.py' -o -name '*.pyi' -o -name '*.props' -o -name '*.json' \) \
   || stale "$host/appsettings.json" appsettings.json; then
  build src/Host
fi

# Sample plugins' .NET parts build into their dotnet/ folders (none is fine).
shopt -s nullglob
for project in plugins/*/src/*.csproj; do
  folder=$(dirname "$(dirname "$project")")
  built=$(ls -t "$folder"/dotnet/*.dll 2>/dev/null | head -n 1 || true)
  if [[ -z $built ]] || stale "$built" "$(dirname "$project")" \( -path '*/bin' -o -path '*/obj' \) -prune -o -type f \( -name '*.cs' -o -name '*.csproj' \); then
    build "$project"
  fi
done
exec dotnet "$host/pluginhost.dll" "$@"
