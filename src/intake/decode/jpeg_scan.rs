//! Proof that a sequential JPEG is whole: its Huffman-coded scan data is
//! walked block by block (no inverse DCT, a few milliseconds per page) and
//! must hold every block the frame header announces.
//!
//! Decoders are lenient on purpose: a file cut off in transfer, with or
//! without its end marker put back, decodes with the rest of the page grey.
//! A scan station must not take such a page as whole, so intake counts the
//! blocks. Progressive and arithmetic-coded JPEGs (which scanners do not
//! write) are left to the decoder.

/// Why the scan data is not whole, in words.
pub(super) type Incomplete = String;

/// One Huffman table as JPEG's `DECODE` procedure uses it (ITU T.81 F.2.2.3).
#[derive(Clone, Default)]
struct Huffman {
    /// Smallest and largest code of each length 1–16 (`max < 0`: none).
    min: [i32; 17],
    max: [i32; 17],
    /// Index into `symbols` of the first code of each length.
    first: [usize; 17],
    symbols: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8; 16], symbols: &[u8]) -> Self {
        let mut h = Huffman {
            symbols: symbols.to_vec(),
            ..Default::default()
        };
        let (mut code, mut k) = (0i32, 0usize);
        for len in 1..=16 {
            let n = usize::from(counts[len - 1]);
            h.first[len] = k;
            if n == 0 {
                h.max[len] = -1;
            } else {
                h.min[len] = code;
                code += n as i32;
                k += n;
                h.max[len] = code - 1;
            }
            code <<= 1;
        }
        h
    }
}

/// Reads the bits of one scan's entropy-coded data.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    byte: u8,
    left: u8,
    /// A marker other than a restart ended the data.
    ended: bool,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits {
            data,
            pos: 0,
            byte: 0,
            left: 0,
            ended: false,
        }
    }

    /// The next bit; `None` once the data ends (a marker or the file's end).
    fn bit(&mut self) -> Option<i32> {
        if self.left == 0 {
            if self.ended {
                return None;
            }
            let b = *self.data.get(self.pos)?;
            if b == 0xFF {
                match self.data.get(self.pos + 1) {
                    Some(0x00) => self.pos += 2,
                    _ => {
                        // A marker: the scan data ends here.
                        self.ended = true;
                        return None;
                    }
                }
            } else {
                self.pos += 1;
            }
            self.byte = b;
            self.left = 8;
        }
        self.left -= 1;
        Some(i32::from((self.byte >> self.left) & 1))
    }

    fn bits(&mut self, n: u8) -> Option<()> {
        for _ in 0..n {
            self.bit()?;
        }
        Some(())
    }

    /// Decodes one Huffman symbol; `Err` for a code the table lacks.
    fn symbol(&mut self, h: &Huffman) -> Result<Option<u8>, ()> {
        let mut code = 0i32;
        for len in 1..=16 {
            let Some(b) = self.bit() else {
                return Ok(None);
            };
            code = (code << 1) | b;
            if h.max[len] >= 0 && code <= h.max[len] && code >= h.min[len] {
                let i = h.first[len] + (code - h.min[len]) as usize;
                return h.symbols.get(i).copied().map(Some).ok_or(());
            }
        }
        Err(())
    }

    /// At a restart interval: the bits left in the byte are padding, and a
    /// restart marker must follow (after any 0xFF fill bytes, T.81 B.1.1.2).
    fn restart(&mut self) -> bool {
        self.left = 0;
        while self.data.get(self.pos) == Some(&0xFF) && self.data.get(self.pos + 1) == Some(&0xFF) {
            self.pos += 1;
        }
        match (self.data.get(self.pos), self.data.get(self.pos + 1)) {
            (Some(0xFF), Some(0xD0..=0xD7)) => {
                self.pos += 2;
                self.ended = false;
                true
            }
            _ => false,
        }
    }
}

/// A component of the frame.
#[derive(Clone, Copy)]
struct Component {
    id: u8,
    h: u8,
    v: u8,
}

/// Checks that every scan of a baseline or extended sequential JPEG holds
/// all its blocks. `Ok` also for the kinds it does not walk.
pub(super) fn check_whole(bytes: &[u8]) -> Result<(), Incomplete> {
    let damaged = |what: &str| Err(format!("die Bilddaten sind beschädigt ({what})"));
    let mut dc: [Huffman; 4] = Default::default();
    let mut ac: [Huffman; 4] = Default::default();
    let mut frame: Option<(u32, u32, Vec<Component>)> = None;
    let mut restart_interval = 0u32;
    let mut pos = 2; // after SOI
    let mut scans = 0;
    loop {
        // Markers may be preceded by fill bytes 0xFF.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return if scans > 0 {
                Ok(())
            } else {
                damaged("Markierung erwartet")
            };
        };
        pos += 2;
        if marker == 0xD9 {
            // EOI
            return if scans > 0 {
                Ok(())
            } else {
                damaged("keine Bilddaten vor der Endmarke")
            };
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        let Some(len) = bytes
            .get(pos..pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            return Err("die Datei endet mitten in einem Kopfblock".into());
        };
        let Some(seg) = bytes.get(pos + 2..pos + len.max(2)) else {
            return Err("die Datei endet mitten in einem Kopfblock".into());
        };
        pos += len;
        match marker {
            // Sequential Huffman frames.
            0xC0 | 0xC1 => {
                if seg.len() < 6 {
                    return damaged("Bildkopf zu kurz");
                }
                let height = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                let width = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                let n = usize::from(seg[5]);
                if seg.len() < 6 + 3 * n || n == 0 {
                    return damaged("Bildkopf zu kurz");
                }
                let comps = (0..n)
                    .map(|i| Component {
                        id: seg[6 + 3 * i],
                        h: (seg[7 + 3 * i] >> 4).max(1),
                        v: (seg[7 + 3 * i] & 15).max(1),
                    })
                    .collect();
                if height == 0 {
                    // Height given later (DNL): left to the decoder.
                    return Ok(());
                }
                frame = Some((width, height, comps));
            }
            // Progressive, lossless, arithmetic, hierarchical: not walked.
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return Ok(()),
            0xC4 => {
                let mut s = seg;
                while s.len() >= 17 {
                    let (class, id) = (s[0] >> 4, usize::from(s[0] & 15));
                    let counts: [u8; 16] = s[1..17].try_into().expect("16 counts");
                    let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let Some(symbols) = s.get(17..17 + n) else {
                        return damaged("Huffman-Tabelle zu kurz");
                    };
                    if id > 3 {
                        return damaged("Huffman-Tabelle ungültig");
                    }
                    let table = Huffman::new(&counts, symbols);
                    if class == 0 {
                        dc[id] = table;
                    } else {
                        ac[id] = table;
                    }
                    s = &s[17 + n..];
                }
            }
            0xDD if seg.len() >= 2 => {
                restart_interval = u32::from(u16::from_be_bytes([seg[0], seg[1]]));
            }
            0xDA => {
                let Some((width, height, comps)) = &frame else {
                    return damaged("Bilddaten vor dem Bildkopf");
                };
                let n = usize::from(*seg.first().unwrap_or(&0));
                if n == 0 || seg.len() < 1 + 2 * n {
                    return damaged("Scankopf zu kurz");
                }
                let mut in_scan = Vec::new();
                for i in 0..n {
                    let (id, tables) = (seg[1 + 2 * i], seg[2 + 2 * i]);
                    let Some(c) = comps.iter().find(|c| c.id == id) else {
                        return damaged("unbekannte Farbkomponente");
                    };
                    let (td, ta) = (usize::from(tables >> 4), usize::from(tables & 15));
                    if td > 3 || ta > 3 {
                        return damaged("Huffman-Tabelle ungültig");
                    }
                    in_scan.push((*c, td, ta));
                }
                let hmax = comps.iter().map(|c| u32::from(c.h)).max().unwrap_or(1);
                let vmax = comps.iter().map(|c| u32::from(c.v)).max().unwrap_or(1);
                // Blocks of each MCU, and how many MCUs (T.81 A.2).
                let (mcus, blocks): (u32, Vec<(usize, usize)>) = if in_scan.len() == 1 {
                    let (c, td, ta) = in_scan[0];
                    let cw = (width * u32::from(c.h)).div_ceil(hmax);
                    let ch = (height * u32::from(c.v)).div_ceil(vmax);
                    (cw.div_ceil(8) * ch.div_ceil(8), vec![(td, ta)])
                } else {
                    let mcus = width.div_ceil(8 * hmax) * height.div_ceil(8 * vmax);
                    let blocks = in_scan
                        .iter()
                        .flat_map(|(c, td, ta)| {
                            std::iter::repeat_n((*td, *ta), usize::from(c.h) * usize::from(c.v))
                        })
                        .collect();
                    (mcus, blocks)
                };
                let data = &bytes[pos.min(bytes.len())..];
                let mut bits = Bits::new(data);
                for m in 0..mcus {
                    if restart_interval > 0 && m > 0 && m % restart_interval == 0 && !bits.restart()
                    {
                        return Err(missing(m, mcus));
                    }
                    for &(td, ta) in &blocks {
                        match block(&mut bits, &dc[td], &ac[ta]) {
                            Ok(true) => {}
                            Ok(false) => return Err(missing(m, mcus)),
                            Err(()) => return damaged("ungültiger Huffman-Code"),
                        }
                    }
                }
                scans += 1;
                // The next marker follows the scan data.
                pos += bits.pos;
                while pos < bytes.len()
                    && !(bytes[pos] == 0xFF
                        && bytes
                            .get(pos + 1)
                            .is_some_and(|&b| b != 0 && !(0xD0..=0xD7).contains(&b)))
                {
                    pos += 1;
                }
            }
            _ => {}
        }
    }
}

/// The words for scan data that ends after `done` of `all` MCUs.
fn missing(done: u32, all: u32) -> Incomplete {
    let share = 100 - (u64::from(done) * 100 / u64::from(all.max(1)));
    format!(
        "die Bilddaten enden vorzeitig: etwa {share} % des Bildes fehlen (Übertragung abgebrochen?)"
    )
}

/// Walks one 8×8 block: `Ok(false)` when the data ends inside it.
fn block(bits: &mut Bits<'_>, dc: &Huffman, ac: &Huffman) -> Result<bool, ()> {
    let Some(s) = bits.symbol(dc)? else {
        return Ok(false);
    };
    if s > 16 {
        return Err(());
    }
    if bits.bits(s).is_none() {
        return Ok(false);
    }
    let mut k = 1;
    while k < 64 {
        let Some(rs) = bits.symbol(ac)? else {
            return Ok(false);
        };
        let (r, s) = (rs >> 4, rs & 15);
        if s == 0 {
            if r == 15 {
                k += 16;
                continue;
            }
            break;
        }
        k += usize::from(r);
        if bits.bits(s).is_none() {
            return Ok(false);
        }
        k += 1;
    }
    if k > 64 {
        return Err(());
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32, colour: bool) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        if colour {
            image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([
                    (x * 7 % 251) as u8,
                    (y * 3 % 253) as u8,
                    ((x ^ y) % 255) as u8,
                ])
            })
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .unwrap();
        } else {
            image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x * y) % 255) as u8]))
                .write_to(&mut out, image::ImageFormat::Jpeg)
                .unwrap();
        }
        out.into_inner()
    }

    /// `j` with restart markers every `every` MCU rows (libjpeg's jpegtran).
    fn with_restarts(j: &[u8], every: u32) -> Vec<u8> {
        use std::io::Write;
        let mut child = std::process::Command::new("jpegtran")
            .args(["-restart", &every.to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("jpegtran (libjpeg-turbo-progs, installer/setup.sh)");
        child.stdin.take().unwrap().write_all(j).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        out.stdout
    }

    #[test]
    fn restart_markers_with_and_without_fill_bytes_are_whole() {
        for colour in [true, false] {
            let j = with_restarts(&jpeg(203, 150, colour), 1);
            let rst = j
                .windows(2)
                .filter(|m| m[0] == 0xFF && (0xD0..=0xD7).contains(&m[1]))
                .count();
            assert!(rst > 5, "jpegtran wrote restart markers");
            assert_eq!(check_whole(&j), Ok(()));
            // Any marker may be preceded by 0xFF fill bytes (T.81 B.1.1.2):
            // two before every restart marker.
            let mut filled = Vec::new();
            let mut i = 0;
            while i < j.len() {
                if j[i] == 0xFF && j.get(i + 1).is_some_and(|b| (0xD0..=0xD7).contains(b)) {
                    filled.extend_from_slice(&[0xFF, 0xFF]);
                }
                filled.push(j[i]);
                i += 1;
            }
            assert_eq!(check_whole(&filled), Ok(()), "colour {colour}");
            // Cut in the middle, the end marker put back: still not whole.
            let mut cut = filled[..filled.len() / 2].to_vec();
            cut.extend_from_slice(&[0xFF, 0xD9]);
            assert!(check_whole(&cut).is_err());
        }
    }

    #[test]
    fn a_whole_jpeg_is_whole_and_a_cut_one_is_not() {
        for (w, h, colour) in [
            (333, 217, true),
            (64, 64, false),
            (1000, 9, true),
            (8, 8, false),
        ] {
            let j = jpeg(w, h, colour);
            assert_eq!(check_whole(&j), Ok(()), "{w}×{h}");
            // Cut anywhere in the scan data, with or without the end marker
            // put back.
            let sos = j.windows(2).rposition(|m| m == [0xFF, 0xDA]).unwrap();
            for cut in [sos + 20, (sos + j.len()) / 2, j.len() - 12] {
                if cut >= j.len() - 2 {
                    continue;
                }
                let mut c = j[..cut].to_vec();
                assert!(check_whole(&c).is_err(), "{w}×{h} cut at {cut}");
                c.extend_from_slice(&[0xFF, 0xD9]);
                let e = check_whole(&c).unwrap_err();
                if cut > sos + 20 {
                    assert!(e.contains("enden vorzeitig"), "{w}×{h} cut at {cut}: {e}");
                }
            }
        }
    }
}
