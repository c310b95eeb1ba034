#!/usr/bin/env bash
# The package's test (run by .ci/run): builds the .deb, installs it with apt
# (dependencies from the Debian archive), runs the installed `scanstelle
# --version` and the headless demo, checks the service unit, the system
# user and the manual page, removes the package and checks that nothing is
# left but configuration and data, then purges it. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
fail() { echo "test-deb: $*" >&2; exit 1; }

deb=$(installer/build-deb.sh | tail -n1)
[ -f "$deb" ] || fail "no package built"
echo "test-deb: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'

# A leftover install from an interrupted run goes first.
$SUDO apt-get purge -y -q scanstelle >/dev/null 2>&1 || true
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "./$deb" >/dev/null \
  || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$(readlink -f "$deb")"
files=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$files" "$work"' EXIT
dpkg -L scanstelle > "$files"

# The installed files work.
v=$(/usr/bin/scanstelle --version)
[ "$v" = "scanstelle $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)" ] || fail "version: $v"
out=$(cd "$work" && HOME="$work" XDG_CONFIG_HOME="$work/cfg" DISPLAY= /usr/bin/scanstelle demo --headless --home "$work/demo" 2>&1) \
  || { echo "$out"; fail "demo failed"; }
echo "$out" | grep -qE "[1-9][0-9]* Import bestätigt" || { echo "$out"; fail "the demo's DMS imported nothing"; }
getent passwd scanstelle >/dev/null || fail "no system user"
[ "$(stat -c %U:%a /var/lib/scanstelle)" = "scanstelle:750" ] || fail "home: $(stat -c %U:%a /var/lib/scanstelle)"
zcat /usr/share/man/man1/scanstelle.1.gz | grep -q "scanstelle watch" || fail "man page"
grep -q "^Exec=scanstelle" /usr/share/applications/scanstelle.desktop || fail "desktop entry"
[ -f /usr/share/scanstelle/scanner-profiles/fujitsu-fi-g4.toml ] || fail "profiles"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/scanstelle.service 2>&1 | grep -v "^$" || true
fi
grep -q "^User=scanstelle" /lib/systemd/system/scanstelle.service || fail "unit"

# Removed: every file of the package is gone, configuration and data stay.
$SUDO apt-get remove -y -q scanstelle >/dev/null
left=""
while read -r f; do
  case "$f" in /etc/*) continue ;; esac
  # Directories (and /lib, a link to one on merged-/usr systems) are shared.
  [ -d "$f" ] && continue
  if [ -e "$f" ] || [ -L "$f" ]; then left="$left $f"; fi
done < "$files"
[ -z "$left" ] || fail "left after remove:$left"
[ -f /etc/scanstelle/scanstelle.toml ] || fail "configuration removed on remove"
[ -d /var/lib/scanstelle ] || fail "data removed on remove"
$SUDO apt-get purge -y -q scanstelle >/dev/null
[ ! -e /etc/scanstelle/scanstelle.toml ] || fail "configuration left after purge"
echo "test-deb: installed, ran, removed and purged cleanly"
