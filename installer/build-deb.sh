#!/usr/bin/env bash
# Builds the Debian package of Scanstelle from this project:
#   installer/build-deb.sh [OUTDIR]     (default: $CARGO_TARGET_DIR/debian)
# Prints the path of the .deb as its last line. Needs dpkg-deb (dpkg) and
# what installer/setup.sh installs; builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
out="${1:-$target/debian}"
cargo build --release --locked >&2
bin="$target/release/scanstelle"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

install -D -m 0755 "$bin" "$stage/usr/bin/scanstelle"
install -D -m 0644 assets/scanstelle.desktop "$stage/usr/share/applications/scanstelle.desktop"
install -D -m 0644 assets/scanstelle.svg "$stage/usr/share/icons/hicolor/scalable/apps/scanstelle.svg"
for p in scanner-profiles/*.toml; do
  install -D -m 0644 "$p" "$stage/usr/share/scanstelle/scanner-profiles/$(basename "$p")"
done
install -D -m 0644 installer/debian/scanstelle.service "$stage/lib/systemd/system/scanstelle.service"
install -D -m 0644 installer/debian/scanstelle.toml "$stage/etc/scanstelle/scanstelle.toml"
install -D -m 0644 README.md "$stage/usr/share/doc/scanstelle/README.md"
install -D -m 0644 installer/debian/copyright "$stage/usr/share/doc/scanstelle/copyright"

# The manual page: the command's own --help, for every subcommand.
man="$stage/usr/share/man/man1/scanstelle.1"
mkdir -p "$(dirname "$man")"
{
  echo ".TH SCANSTELLE 1 \"$(date -u -r Cargo.toml +%Y-%m-%d)\" \"scanstelle $version\" \"Scanstelle\""
  echo ".SH NAME"
  echo "scanstelle \\- Posteingang-Scanstation f\\(:ur Jobcenter (SGB II)"
  echo ".SH SYNOPSIS"
  echo ".B scanstelle"
  echo "[\\fIOPTIONEN\\fR] [\\fIBEFEHL\\fR]"
  echo ".SH BESCHREIBUNG"
  echo ".nf"
  "$bin" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
  echo ".fi"
  for cmd in $("$bin" --help | awk '/^Commands:/ {on=1; next} /^$/ {on=0} on {print $1}' | grep -v '^help$'); do
    echo ".SH \"scanstelle $cmd\""
    echo ".nf"
    "$bin" "$cmd" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
    echo ".fi"
  done
  echo ".SH DATEIEN"
  echo "/etc/scanstelle/scanstelle.toml, /var/lib/scanstelle (Datenbank, Ablage, Quarant\\(:ane, station.key),"
  echo "/usr/share/scanstelle/scanner-profiles, /lib/systemd/system/scanstelle.service"
} > "$man"
gzip -9n "$man"

# Dependencies: the package of every library the binary links, the
# Tesseract language data, and (recommended) what the window loads at run time.
# Only the libraries the binary names itself (NEEDED), not theirs.
depends=$(objdump -p "$bin" | awk '/NEEDED/ {print $2}' | while read -r soname; do
  lib=$(ldd "$bin" | awk -v n="$soname" '$1 == n && $3 ~ /^\// {print $3}')
  [ -n "$lib" ] || continue
  dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
depends="$depends, tesseract-ocr-deu, tesseract-ocr-eng, tesseract-ocr-osd, adduser"

size=$(du -sk "$stage" | cut -f1)
mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: scanstelle
Version: $version
Architecture: $arch
Maintainer: Scanstelle-Team <scanstelle@example.invalid>
Installed-Size: $size
Depends: $depends
Recommends: libxkbcommon-x11-0, libx11-6, libxcursor1, libxi6, libxrandr2, fonts-dejavu-core
Suggests: sane-utils, sane-airscan
Section: misc
Priority: optional
Homepage: https://example.invalid/scanstelle
Description: Posteingang-Scanstation für Jobcenter (SGB II)
 Liest Scans aus Eingangsordnern ein, bereitet die Seiten auf, erkennt den
 Text mit Tesseract, ordnet Dokumente Akten und Dokumenttypen zu, puffert
 alles verschlüsselt in SQLite und überträgt fertige Stapel als xdomea-
 Nachrichten an das DMS. Fenster (iced) und Dienst (scanstelle watch).
CONTROL
echo "/etc/scanstelle/scanstelle.toml" > "$stage/DEBIAN/conffiles"
install -m 0755 installer/debian/postinst installer/debian/prerm installer/debian/postrm "$stage/DEBIAN/"

mkdir -p "$out"
deb="$out/scanstelle_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"
