# Shared by scripts/run and scripts/test: Debian packages and the build.
# shellcheck shell=bash

SPOOR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BUILD_PKGS="gcc pkg-config meson ninja-build libevent-dev libjson-c-dev libsystemd-dev
  libyaml-dev libexpat1-dev libpcre2-dev libssl-dev"
TEST_PKGS="check socat rsyslog bsdutils curl procps jq openssl rsyslog-gnutls rsyslog-openssl python3 strace libfaketime
  valgrind clang libclang-rt-14-dev"

# need_packages PKG... : install what is missing (as root), else say how.
need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "spoor: missing Debian packages. Install them with:" >&2
		echo "  sudo apt-get install -y ${missing[*]}" >&2
		return 1
	fi
	echo "spoor: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}

# build DIR [meson options...] : configure once, then build.
build() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$SPOOR_ROOT" "$@" >/dev/null || return 1
	fi
	ninja -C "$dir" >/dev/null || ninja -C "$dir"
}
# scripts/bench; the references it compares with are optional: rsyslog (in TEST_PKGS) and sec.
BENCH_PKGS="python3 socat curl jq time"
