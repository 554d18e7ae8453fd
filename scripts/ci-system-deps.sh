#!/usr/bin/env bash
# System packages the test suite needs on a fresh Debian 12 (bookworm) machine, as root:
#   - chromium: the browser tests, and its SwiftShader Vulkan ICD (a software WebGPU adapter)
#   - mesa-vulkan-drivers from bookworm-backports: lavapipe (Mesa 25), a faster software Vulkan
#     driver that Dawn accepts (bookworm's own Mesa 22.3 lavapipe is rejected by Dawn; Deno's wgpu
#     takes either)
#   - libvulkan1: the Vulkan loader Dawn (npm `webgpu`) and Deno load
# Idempotent: when everything is installed it only prints the ICDs and exits (no apt-get update).
# Exports nothing: the tests set VK_ICD_FILENAMES themselves (tests/runtime/vulkan.ts).
# Only Debian's own mirrors are contacted.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# Mesa 25 names it lvp_icd.json, Mesa 22 lvp_icd.<arch>.json
lvp_icd() { ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -n 1; }
SWIFTSHADER_ICD=/usr/lib/chromium/vk_swiftshader_icd.json
BACKPORTS=/etc/apt/sources.list.d/survey-classifier-bookworm-backports.sources

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
mesa_major() { local v; v=$(mesa_version); v=${v#*:}; echo "${v%%.*}"; }
mesa_recent() { local m; m=$(mesa_major); [[ -n "$m" && "$m" =~ ^[0-9]+$ && "$m" -ge 24 ]]; }

if [[ $(id -u) -ne 0 ]]; then
  echo "ci-system-deps: must run as root (apt-get install)" >&2
  exit 1
fi

if installed chromium && installed libvulkan1 && installed mesa-vulkan-drivers && mesa_recent; then
  echo "ci-system-deps: chromium, libvulkan1 and mesa-vulkan-drivers $(mesa_version) already installed"
else
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  # bookworm-backports: same mirror as the main Debian source (deb822 or one-line format)
  if [[ "$codename" == bookworm && ! -f "$BACKPORTS" ]]; then
    uri=""
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
      uri=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
      uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
    fi
    uri=${uri:-http://deb.debian.org/debian}
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    {
      echo "Types: deb"
      echo "URIs: $uri"
      echo "Suites: bookworm-backports"
      echo "Components: main"
      [[ -f "$keyring" ]] && echo "Signed-By: $keyring"
    } > "$BACKPORTS"
    echo "ci-system-deps: added bookworm-backports ($uri)"
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium libvulkan1 ca-certificates > /dev/null
  if [[ "$codename" == bookworm ]] && apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers > /dev/null; then
    echo "ci-system-deps: mesa-vulkan-drivers $(mesa_version) from bookworm-backports"
  else
    echo "ci-system-deps: mesa-vulkan-drivers from bookworm-backports unavailable; installing the distribution's (Deno only; Dawn will use SwiftShader)" >&2
    apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers > /dev/null || true
  fi
fi

# Which software Vulkan driver the WebGPU tests will use (they choose the same way: tests/runtime/vulkan.ts)
LVP_ICD=$(lvp_icd)
if [[ -n "$LVP_ICD" ]] && mesa_recent; then
  echo "ci-system-deps: Vulkan ICD for Dawn (Node webgpu): lavapipe, Mesa $(mesa_version) ($LVP_ICD)"
elif [[ -f "$SWIFTSHADER_ICD" ]]; then
  echo "ci-system-deps: Vulkan ICD for Dawn (Node webgpu): SwiftShader ($SWIFTSHADER_ICD)"
else
  echo "ci-system-deps: no software Vulkan ICD found; WebGPU tests cannot run" >&2
  exit 1
fi
if [[ -n "$LVP_ICD" ]]; then
  echo "ci-system-deps: Vulkan ICD for Deno (wgpu): lavapipe ($LVP_ICD)"
else
  echo "ci-system-deps: Vulkan ICD for Deno (wgpu): SwiftShader ($SWIFTSHADER_ICD)"
fi
echo "ci-system-deps: chromium $(dpkg-query -W -f='${Version}' chromium) at $(command -v chromium || echo /usr/bin/chromium)"
