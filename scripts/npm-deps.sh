#!/usr/bin/env bash
# Installs the npm packages of one folder from its lockfile, only when they changed. No install
# scripts run: chatd and its tests send nothing anywhere.
set -euo pipefail
dir=${1:?folder with package-lock.json}
cd "$dir"
stamp=node_modules/.chatd-lock-stamp
if [[ -f "$stamp" ]] && cmp -s package-lock.json "$stamp"; then exit 0; fi
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
cp package-lock.json "$stamp"
