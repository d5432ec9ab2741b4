#!/usr/bin/env bash
# Installs the Debian packages govsim needs (ENGINEERING.md, "Stack"), plus the build tools.
# Only missing packages are installed; `apt-get update` runs only when something is missing.
# Boost.Math (Student's t in analysis/) is header-only and comes with libboost1.74-dev, which
# libboost-random-dev depends on.
set -euo pipefail

packages=(
    # libraries
    libeigen3-dev
    libboost-random-dev
    libhdf5-dev hdf5-tools
    libtbb-dev
    catch2
    libopenmpi-dev openmpi-bin
    libtomlplusplus-dev
    libcli11-dev
    libfmt-dev
    libisal-dev      # ISA-L: igzip deflates /disputes (sim/results_file.cpp)
    zlib1g-dev       # zlib: /disputes at deflate levels 2-9 (find_package(ZLIB))
    # analysis scripts and `govsim report` (run with /usr/bin/python3)
    python3-h5py python3-pandas python3-matplotlib python3-scipy
    fonts-noto-cjk   # Chinese labels in figures (govsim report --lang zh)
    chromium         # the report tests open the page in headless Chromium
    # build tools (clang and its runtime libraries for the libFuzzer harness, scripts/fuzz.sh)
    cmake g++ make pkg-config clang-14 libclang-rt-14-dev
)

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: need root or sudo to install them with apt-get;" \
        "run as root or install them by hand" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
