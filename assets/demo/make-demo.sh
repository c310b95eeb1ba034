#!/usr/bin/env bash
# Regenerates the demo scans in this folder (committed; the build does not run this).
# Needs: imagemagick, ghostscript, libtiff-tools, img2pdf, python3, fonts-dejavu-core.
# All content is invented: names, addresses and case numbers are fictitious.
set -euo pipefail
cd "$(dirname "$0")"
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# page OUT TEXT...: an A4 page at 300 dpi, slightly skewed and noisy like a scan.
page() {
  local out=$1; shift
  convert -size 2480x3508 xc:white -font "$FONT" -pointsize 42 -fill black \
    -annotate +220+300 "$*" -rotate 0.4 +repage -gravity center -crop 2480x3508+0+0 +repage \
    -attenuate 0.25 +noise Gaussian -colorspace Gray "$out"
}

page "$tmp/wba1.png" "Jobcenter Minden-Lübbecke
Antrag auf Weiterbewilligung der Leistungen (WBA)

BG-Nummer: 12345 BG 0012345
Name, Vorname: Mustermann, Erika
Anschrift: Lindenstraße 12, 32423 Minden
Geburtsdatum: 14.03.1981

Hiermit beantrage ich die Weiterbewilligung des Bürgergeldes
für den Bewilligungszeitraum ab 01.01.2027.

Haben sich Ihre Verhältnisse geändert?   [ ] ja   [x] nein"
page "$tmp/wba2.png" "Seite 2 zum Weiterbewilligungsantrag
BG-Nummer: 12345BG0012345

Einkommen: keine Änderung
Kosten der Unterkunft und Heizung: keine Änderung

Ich versichere, dass meine Angaben vollständig und richtig sind.

Minden, 20.11.2026        Unterschrift: E. Mustermann"
for p in wba1 wba2; do
  convert "$tmp/$p.png" -threshold 60% -type bilevel -compress Group4 -density 300 -units PixelsPerInch "$tmp/$p.tif"
done
tiffcp -c g4 "$tmp/wba1.tif" "$tmp/wba2.tif" weiterbewilligungsantrag.tif

page "$tmp/konto.png" "Sparkasse Minden-Lübbecke          Kontoauszug 11/2026
Herrn Jan Beispiel, Kuhlenstraße 3, 32427 Minden
IBAN: DE12 4905 0101 0000 1234 56
Kundennummer Jobcenter: 123A456789

Buchungstag  Valuta      Vorgang                      Betrag
03.11.2026   03.11.2026  Miete November              -520,00
05.11.2026   05.11.2026  Jobcenter Bürgergeld        +563,00
12.11.2026   12.11.2026  Stadtwerke Abschlag          -48,00

Kontostand am 30.11.2026:                               412,37 EUR"
convert "$tmp/konto.png" -resize 50% -density 150 -units PixelsPerInch -quality 70 kontoauszug.jpg

page "$tmp/miete.png" "Vermieterbescheinigung
für das Jobcenter Minden-Lübbecke

Mieter: Jan Beispiel, Kuhlenstraße 3, 32427 Minden
Kundennummer: 123A456789

Kaltmiete monatlich:          430,00 EUR
Nebenkosten (Vorauszahlung):   90,00 EUR
Heizkosten:                    in Nebenkosten enthalten
Kaution:                      860,00 EUR

Vermieter: Wohnbau Minden GmbH, 20.11.2026"
convert "$tmp/miete.png" -threshold 60% -type bilevel -compress Group4 -density 300 -units PixelsPerInch "$tmp/miete.tif"
img2pdf "$tmp/miete.tif" -o vermieterbescheinigung.pdf

# A sick note whose BG-Nummer is in no case (one digit off): the name and
# address point to a case, so it waits for a person in the review queue.
page "$tmp/au.png" "Arbeitsunfähigkeitsbescheinigung
Erstbescheinigung

Patientin: Petra Musterfrau, Am Markt 1, 32312 Lübbecke
BG-Nummer: 12345 BG 0012348

arbeitsunfähig seit: 23.11.2026
voraussichtlich arbeitsunfähig bis einschließlich: 04.12.2026
festgestellt am: 23.11.2026

Praxis Dr. med. A. Beispielarzt, Lübbecke"
convert "$tmp/au.png" -threshold 60% -type bilevel -compress Group4 -density 300 -units PixelsPerInch arbeitsunfaehigkeit.tif

# A born-digital PDF with real text, as forwarded e-mail attachments arrive.
python3 - <<'PY'
lines = [
    "Widerspruch gegen den Bescheid vom 02.11.2026",
    "",
    "BG-Nummer: 12345//0012345",
    "Erika Mustermann, Lindenstraße 12, 32423 Minden",
    "",
    "Sehr geehrte Damen und Herren,",
    "hiermit lege ich Widerspruch gegen den Bescheid vom 02.11.2026 ein.",
    "Die Heizkosten wurden nicht in voller Höhe berücksichtigt.",
    "",
    "Mit freundlichen Grüßen",
    "Erika Mustermann",
]
def esc(s):
    return s.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
content = b"BT /F1 12 Tf 72 770 Td 16 TL\n" + b"".join(b"(" + esc(l) + b") Tj T*\n" for l in lines) + b"ET\n"
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
]
out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for i, o in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for off in offsets:
    out += b"%010d 00000 n \n" % off
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open("widerspruch-email.pdf", "wb").write(out)
# A PDF cut off in transfer: intake must quarantine it with a reason.
open("abgebrochen.pdf", "wb").write(bytes(out[: len(out) // 3]))
PY
ls -l
