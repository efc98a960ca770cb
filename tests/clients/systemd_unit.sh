#!/usr/bin/env bash
# The service as `meson install` ships it (issue 7 items 3 and 5), installed
# into a scratch DESTDIR, never the machine:
#   - spoord.service, spoord.socket, the sysusers.d and tmpfiles.d files and
#     the three man pages land where systemd and man look for them;
#   - the unit starts the installed spoord on the installed configuration,
#     and its directories agree with that configuration's spool.dir and
#     state_dir;
#   - `systemd-analyze verify` prints nothing (Documentation= man pages
#     resolved against the installed ones) and `systemd-analyze security
#     --offline=yes` rates the unit's exposure at 1.5 or lower;
#   - systemd-sysusers creates user and group spoor in a scratch root, and
#     systemd-tmpfiles accepts the spool line (and, as root, creates it there
#     2750 spoor:spoor);
#   - every man page renders without a groff warning, spoord.yml(5) has one
#     entry per key of `spoord --config-reference`, spoord(8) names every
#     option of `spoord --help`, spoorctl(1) has a section for every command
#     of `spoorctl --help`.
source "$(dirname "$0")/lib.sh"
: "${SPOOR_BUILD_ROOT:?meson sets SPOOR_BUILD_ROOT}"
: "${SPOORCTL:?meson sets SPOORCTL}"
need systemd-analyze; need meson; need python3; need groff

R=$T/root
DESTDIR=$R meson install -C "$SPOOR_BUILD_ROOT" --no-rebuild --quiet > "$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "meson install into a DESTDIR failed"; }

# installed NAME DIR_SUFFIX: the installed path (without DESTDIR) of the one
# file called NAME whose folder ends in DIR_SUFFIX, from meson's own record.
meson introspect "$SPOOR_BUILD_ROOT" --installed > "$T/installed.json" || fail "meson introspect --installed failed"
installed() {
	python3 - "$T/installed.json" "$1" "$2" <<'PY'
import json, os, sys
paths = [p for p in json.load(open(sys.argv[1])).values()
         if os.path.basename(p) == sys.argv[2] and os.path.dirname(p).endswith(sys.argv[3])]
print(paths[0] if len(paths) == 1 else '')
PY
}
where() {
	local p
	p=$(installed "$1" "$2")
	[ -n "$p" ] || fail "meson installs no $1 into a folder ending in $2"
	[ -f "$R$p" ] || fail "$1 is not installed at $p"
	echo "$p"
}
SBIN_SPOORD=$(where spoord sbin)
CONF=$(where spoord.yml /spoor)
UNIT=$(where spoord.service /system)
SOCKET=$(where spoord.socket /system)
SYSUSERS=$(where spoor.conf sysusers.d)
TMPFILES=$(where spoor.conf tmpfiles.d)
MAN8=$(where spoord.8 man8)
MAN5=$(where spoord.yml.5 man5)
MAN1=$(where spoorctl.1 man1)
[ "${MAN8%/man8/spoord.8}" = "${MAN5%/man5/spoord.yml.5}" ] && [ "${MAN8%/man8/spoord.8}" = "${MAN1%/man1/spoorctl.1}" ] ||
	fail "the man pages are not under one man directory: $MAN8 $MAN5 $MAN1"
MANDIR=${MAN8%/man8/spoord.8}

# Where systemd itself says these files go, when it says.
if command -v pkg-config > /dev/null && pkg-config --exists systemd; then
	for pair in "systemdsystemunitdir $UNIT" "sysusersdir $SYSUSERS" "tmpfilesdir $TMPFILES"; do
		read -r var file <<< "$pair"
		want=$(pkg-config --variable="$var" systemd)
		[ "$(dirname "$file")" = "$want" ] || fail "$file is not in systemd's $var ($want)"
	done
fi

# The unit runs the installed binary on the installed configuration, and
# its directories are the configuration's.
u() { sed -n "s/^$1=//p" "$R$UNIT"; }
[ "$(u Type)" = notify ] || fail "spoord.service: Type=$(u Type), want notify"
[ -n "$(u WatchdogSec)" ] || fail "spoord.service: no WatchdogSec="
[ "$(u User)" = spoor ] && [ "$(u Group)" = spoor ] || fail "spoord.service: not User=spoor Group=spoor"
grep -q '^ExecReload=.*kill -HUP \$MAINPID$' "$R$UNIT" || fail "spoord.service: ExecReload= does not send SIGHUP"
[ "$(u ExecStart)" = "$SBIN_SPOORD -c $CONF" ] ||
	fail "spoord.service: ExecStart=$(u ExecStart), want $SBIN_SPOORD -c $CONF"
"$SPOORD" --check -c "$R$CONF" > "$T/check.txt" 2>&1 || { cat "$T/check.txt"; fail "the installed spoord.yml does not pass --check"; }
spool=$(awk '$1 == "spool.dir" { print $2 }' "$T/check.txt")
state=$(awk '$1 == "state_dir" { print $2 }' "$T/check.txt")
[ "$state" = "/var/lib/$(u StateDirectory)" ] || fail "state_dir $state is not StateDirectory=$(u StateDirectory)"
grep -Eq "^ReadWritePaths=-?$spool\$" "$R$UNIT" || fail "spoord.service does not make spool.dir $spool writable"
grep -Eq "^d $spool 2750 spoor spoor " "$R$TMPFILES" || fail "tmpfiles: no 'd $spool 2750 spoor spoor' line"
grep -q '^ListenStream=1514$' "$R$SOCKET" || fail "spoord.socket: no ListenStream=1514"

# systemd-analyze reads the units from a copy that starts the DESTDIR's
# spoord (verify checks that ExecStart= exists) and finds the installed
# man pages through MANPATH.
mkdir -p "$T/units"
sed "s|^ExecStart=$SBIN_SPOORD |ExecStart=$R$SBIN_SPOORD |" "$R$UNIT" > "$T/units/spoord.service"
cp "$R$SOCKET" "$T/units/spoord.socket"
man_opt=--man=yes
command -v man > /dev/null || man_opt=--man=no
out=$(MANPATH=$R$MANDIR systemd-analyze verify "$man_opt" "$T/units/spoord.service" "$T/units/spoord.socket" 2>&1) ||
	fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify is not silent: $out"

systemd-analyze security --offline=yes --threshold=15 "$T/units/spoord.service" > "$T/security.txt" 2>&1
rc=$?
level=$(sed -n 's/.*Overall exposure level for spoord\.service: \([0-9.]*\).*/\1/p' "$T/security.txt")
[ -n "$level" ] || { cat "$T/security.txt"; fail "no overall exposure level in systemd-analyze security's output"; }
awk -v l="$level" 'BEGIN { exit !(l <= 1.5) }' || { grep '✗' "$T/security.txt"; fail "exposure $level is above 1.5"; }
[ "$rc" = 0 ] || { cat "$T/security.txt"; fail "systemd-analyze security --threshold=15 exited $rc"; }
echo "exposure: $level"

# The account and the spool, in a scratch root.
S=$T/sysroot
mkdir -p "$S/etc"
systemd-sysusers --root="$S" "$R$SYSUSERS" > "$T/sysusers.log" 2>&1 || { cat "$T/sysusers.log"; fail "systemd-sysusers rejects $SYSUSERS"; }
uid=$(awk -F: '$1 == "spoor" { print $3 }' "$S/etc/passwd")
gid=$(awk -F: '$1 == "spoor" { print $3 }' "$S/etc/group")
[ -n "$uid" ] && [ -n "$gid" ] || fail "systemd-sysusers made no user or group spoor"
awk -F: -v g="$gid" '$1 == "spoor" && $4 == g && $7 ~ /nologin$/ { ok = 1 } END { exit !ok }' "$S/etc/passwd" ||
	fail "user spoor is not in group spoor with a nologin shell: $(grep '^spoor:' "$S/etc/passwd")"
if [ "$(id -u)" = 0 ]; then
	systemd-tmpfiles --root="$S" --create "$R$TMPFILES" > "$T/tmpfiles.log" 2>&1 ||
		{ cat "$T/tmpfiles.log"; fail "systemd-tmpfiles --create failed on $TMPFILES"; }
	[ "$(stat -c '%a %u %g' "$S$spool")" = "2750 $uid $gid" ] ||
		fail "$spool made as $(stat -c '%a %u %g' "$S$spool"), want 2750 $uid $gid"
else
	# Not root: it cannot chown; --prefix matching nothing still parses every line.
	systemd-tmpfiles --root="$S" --create --prefix=/nonexistent "$R$TMPFILES" > "$T/tmpfiles.log" 2>&1 ||
		{ cat "$T/tmpfiles.log"; fail "systemd-tmpfiles rejects $TMPFILES"; }
	echo "note: not root, so $spool was parsed, not created"
fi

# Man pages: no groff warning, and nothing the programs print is missing.
for page in "$MAN8" "$MAN5" "$MAN1"; do
	out=$(groff -man -ww -z -Tutf8 "$R$page" 2>&1)
	[ -z "$out" ] || fail "$(basename "$page") renders with warnings: $out"
done
"$SPOORD" --config-reference > "$T/reference.yml"
keys=$(sed -nE 's/^ *(- )?([A-Za-z0-9_]+):.*/\2/p' "$T/reference.yml")
sed -n '/^\.SH KEYS/,/^\.SH /p' "$R$MAN5" > "$T/keys.roff"
for k in $keys; do
	grep -Eq "^\.B (.*[.])?$k\$" "$T/keys.roff" || fail "spoord.yml(5) has no entry for key $k"
done
nkeys=$(printf '%s\n' "$keys" | wc -l)
nentries=$(grep -c '^\.TP' "$T/keys.roff")
[ "$nkeys" = "$nentries" ] || fail "spoord.yml(5) lists $nentries keys, spoord --config-reference $nkeys"
for opt in $("$SPOORD" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
	grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$R$MAN8" || fail "spoord(8) does not document $opt"
done
for cmd in $("$SPOORCTL" --help | sed -nE 's/^(Usage:)? *spoorctl ([a-z][a-z-]*).*/\2/p'); do
	grep -q "^\.SS \"spoorctl $cmd" "$R$MAN1" || fail "spoorctl(1) has no section for 'spoorctl $cmd'"
done
echo "PASS"
