#!/usr/bin/env bash
# Installs the Debian packages the report needs: chromium (HTML -> PDF, browser tests) and
# poppler-utils (pdftoppm, to check PDF pages). Does nothing when they are already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "dejavu" || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "eco_eval: missing Debian packages: ${need[*]}. Install them with: apt-get install ${need[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "eco_eval: installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
