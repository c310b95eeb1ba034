#!/usr/bin/env bash
# Installs the Debian packages the Scanstelle station needs to build, run and test.
# Idempotent: packages already present are left alone. Runs as root or through sudo.
set -euo pipefail

# Build: Tesseract/Leptonica headers for the OCR bindings, clang for bindgen, pkg-config;
# OpenSSL's libcrypto for SQLCipher (the encrypted database).
BUILD_PKGS=(pkg-config clang libclang-dev libtesseract-dev libleptonica-dev libssl-dev)
# Packaging: objdump names the libraries the binary links (Debian dependencies).
BUILD_PKGS+=(binutils)
# Run time: Tesseract with the German and English models and orientation detection (osd).
RUN_PKGS=(tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-osd libssl3)
# Born-digital documents (DOCX, DOC, ODT, XLSX, XLS, ODS, RTF, TXT) are converted
# by LibreOffice headless: Writer and Calc without the GUI, about 300 MB installed
# (61 packages on Debian 12 with --no-install-recommends).
RUN_PKGS+=(libreoffice-writer-nogui libreoffice-calc-nogui)
# Run time of the window on X11 (and XWayland).
RUN_PKGS+=(libxkbcommon-x11-0 libx11-6 libxcursor1 libxi6 libxrandr2)
# Tests and demo fixtures: TIFF/PDF tools, xmllint for xdomea validation, fonts;
# a virtual X server, key presses and screenshots for the window's test.
TEST_PKGS=(libtiff-tools poppler-utils img2pdf libxml2-utils fonts-dejavu-core qpdf xvfb xdotool x11-apps)
# The sync's tests: a real Apache with mod_dav, TLS and Basic auth (htpasswd
# from apache2-utils), certificates made with openssl.
TEST_PKGS+=(apache2 apache2-utils openssl)
# The sync benchmark compares against `curl -T`.
TEST_PKGS+=(curl)
# The power-loss test traces the station's file-system calls.
TEST_PKGS+=(strace)
# JPEGs with restart markers (jpegtran) for the completeness check.
TEST_PKGS+=(libjpeg-turbo-progs)
# Desk scanning: scanimage and the SANE test backend (a simulated scanner);
# driverless network scanners (eSCL/AirScan, WSD) through sane-airscan
# (about 0.5 MB), tested against a small eSCL scanner the tests start.
TEST_PKGS+=(sane-utils sane-airscan)

want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${TEST_PKGS[@]}")
missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#want[@]} Debian packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# apache2 is only for the sync tests, which start their own server on
# 127.0.0.1; Debian's default site on port 80 is not wanted on a station.
if printf '%s\n' "${missing[@]}" | grep -qx apache2 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now apache2 >/dev/null 2>&1 || true
fi
echo "setup: done"
