#!/bin/sh
# install-deps.sh - install the Debian packages mz builds and tests with.
# A no-op when they are all present; needs root (or sudo) otherwise.
set -eu

# Build: the libraries of DESIGN.md.  Test: prove, mandoc, python3 with
# numpy/pandas/sklearn for the reference comparisons, zstd, clang for the
# sanitizer and fuzz builds, the ffmpeg program as an independent reference
# in video tests and benchmarks (the tools themselves use only the libraries);
# for the benchmarks only: PyTables (pandas.read_hdf) and PyWavelets (the
# CWT mosaic computes its wavelet features with).
PKGS="build-essential pkg-config libzstd-dev libxxhash-dev libcjson-dev
libcsv-dev libyaml-dev liblapacke-dev libopenblas-dev libhdf5-dev libzip-dev
libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
perl mandoc zstd clang libclang-rt-14-dev python3 python3-numpy
python3-pandas python3-scipy python3-sklearn python3-zstandard hyperfine hdf5-tools python3-h5py
ffmpeg python3-tables python3-pywt"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: not root; install these:$missing" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
