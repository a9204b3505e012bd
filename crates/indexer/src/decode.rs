//! Turning bytes into text: BOM, then the bytes themselves, then the declared
//! charset (which can lie), then a statistical guess.
//!
//! ```
//! use xunwen_indexer::decode::decode;
//! let (gbk, _, _) = encoding_rs::GBK.encode("新闻联播");
//! let decoded = decode(&gbk, None).unwrap();
//! assert_eq!(decoded.text, "新闻联播");
//! assert_eq!(decoded.encoding, "GBK");
//! ```

use encoding_rs::{BIG5, Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};

/// Above this share of replaced bytes a file is refused rather than indexed.
const MAX_REPLACED_SHARE: f64 = 0.01;

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Name of the encoding used (WHATWG name).
    pub encoding: &'static str,
    /// Number of invalid sequences replaced by U+FFFD.
    pub replaced: usize,
}

impl Decoded {
    /// What a reader is told when bytes had to be replaced.
    pub fn repair_note(&self) -> Option<String> {
        (self.replaced > 0).then(|| {
            format!(
                "{} invalid byte sequence(s) replaced (decoded as {})",
                self.replaced, self.encoding
            )
        })
    }
}

/// Why bytes were not turned into text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty file")]
    Empty,
    #[error("binary content, not text")]
    Binary,
    #[error("{replaced} invalid bytes in {len} (decoded as {encoding}): too damaged to index")]
    TooDamaged {
        encoding: &'static str,
        replaced: usize,
        len: usize,
    },
}

fn count_replacements(encoding: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len() * 3),
    );
    let mut replaced = 0;
    let mut input = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut text, true);
        input = &input[read..];
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::Malformed(_, _) => {
                replaced += 1;
                text.push('\u{FFFD}');
            }
            encoding_rs::DecoderResult::OutputFull => {
                text.reserve(input.len() * 3 + 16);
            }
        }
    }
    (text, replaced)
}

fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    // Text seldom holds a control byte at all: look for the lowest byte
    // first, 16 bytes at a time (which the compiler does in a few steps).
    let (blocks, rest) = sample.as_chunks::<16>();
    let lowest = blocks
        .iter()
        .map(|block| block.iter().fold(u8::MAX, |low, &b| low.min(b)))
        .chain(rest.iter().copied())
        .fold(u8::MAX, u8::min);
    if lowest >= 0x20 {
        return false;
    }
    let controls = sample
        .iter()
        .filter(|b| matches!(b, 0x00..=0x08 | 0x0E..=0x1A | 0x1C..=0x1F))
        .count();
    sample.contains(&0) || controls * 100 > sample.len()
}

fn finish(encoding: &'static Encoding, bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (text, replaced) = count_replacements(encoding, bytes);
    if replaced as f64 > bytes.len() as f64 * MAX_REPLACED_SHARE {
        return Err(DecodeError::TooDamaged {
            encoding: encoding.name(),
            replaced,
            len: bytes.len(),
        });
    }
    Ok(Decoded {
        text,
        encoding: encoding.name(),
        replaced,
    })
}

/// Characters Chinese news hardly holds, but which a wrong legacy encoding
/// often reads bytes as: private use, compatibility ideographs and the
/// fullwidth signs ￠￡￢￣￤￦ (not ￥, which prices use). Among encodings
/// that fit the bytes equally well, the one reading fewer of them wins:
/// 担任 in GB18030 is valid Big5-HKSCS too, read as 童￤.
fn is_unlikely_in_news(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F900}'..='\u{FAFF}' | '\u{FFE0}'..='\u{FFEF}')
        && c != '\u{FFE5}'
}

/// Decodes bytes. `declared` is the charset a page declares (HTML meta, HTTP
/// header); it only decides when the bytes themselves do not.
pub fn decode(bytes: &[u8], declared: Option<&'static Encoding>) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return finish(encoding, &bytes[bom_len..]);
    }
    if looks_binary(bytes) {
        return Err(DecodeError::Binary);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        // Valid UTF-8 decodes to itself: no second pass over it.
        return Ok(Decoded {
            text: text.to_owned(),
            encoding: UTF_8.name(),
            replaced: 0,
        });
    }
    // Mostly UTF-8 with a few bad bytes stays UTF-8 (with the bad bytes counted).
    let (utf8_text, utf8_errors) = count_replacements(UTF_8, bytes);
    if (utf8_errors as f64) < bytes.len() as f64 * MAX_REPLACED_SHARE {
        return finish(UTF_8, bytes);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guessed = detector.guess(None, chardetng::Utf8Detection::Deny);
    // Legacy encodings, the declared one first: the one that fits the bytes
    // with the fewest errors wins, the first on a tie. Short Chinese text
    // often fits a Japanese or Korean encoding as well, so in a Chinese
    // archive such a guess only wins when it fits strictly better.
    let chinese_guess = [GBK, GB18030, BIG5].contains(&guessed);
    let candidates = [
        declared,
        chinese_guess.then_some(guessed),
        Some(GB18030),
        Some(BIG5),
        Some(guessed),
    ];
    let best = candidates
        .into_iter()
        .flatten()
        .filter(|e| !e.is_single_byte() && *e != UTF_8 && *e != UTF_16LE && *e != UTF_16BE)
        .map(|e| {
            let (text, errors) = count_replacements(e, bytes);
            (
                errors + text.chars().filter(|c| is_unlikely_in_news(*c)).count(),
                errors,
                e,
            )
        })
        .min_by_key(|(misfit, _, _)| *misfit)
        .map(|(_, errors, encoding)| (errors, encoding));
    if let Some((errors, encoding)) = best
        && (errors as f64) <= bytes.len() as f64 * MAX_REPLACED_SHARE
    {
        return finish(encoding, bytes);
    }
    // Nothing legacy fits. Text in a single-byte encoding almost never holds
    // valid UTF-8 sequences; damaged UTF-8 holds many: refuse that one.
    let good_multibyte = utf8_text
        .chars()
        .filter(|c| !c.is_ascii() && *c != '\u{FFFD}')
        .count();
    let damaged_utf8 = good_multibyte >= 3 && good_multibyte * 10 > utf8_errors;
    if damaged_utf8 || !guessed.is_single_byte() {
        let (replaced, encoding) = match best {
            Some(best) if !damaged_utf8 => best,
            _ => (utf8_errors, UTF_8),
        };
        return Err(DecodeError::TooDamaged {
            encoding: encoding.name(),
            replaced,
            len: bytes.len(),
        });
    }
    finish(guessed, bytes)
}

/// The charset an HTML page declares in its first bytes (`<meta charset>` or
/// `http-equiv`), ignoring declarations inside comments.
pub fn declared_html_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(meta) = rest.find("<meta") {
        let before = &rest[..meta];
        // Skip metas that sit inside an HTML comment.
        if let Some(open) = before.rfind("<!--")
            && !before[open..].contains("-->")
        {
            let close = rest[meta..].find("-->")?;
            rest = &rest[meta + close + 3..];
            continue;
        }
        let tag_end = rest[meta..].find('>').map_or(rest.len(), |e| meta + e);
        let tag = &rest[meta..tag_end];
        if let Some(at) = tag.find("charset=") {
            let value: String = tag[at + 8..]
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if let Some(encoding) = Encoding::for_label(value.as_bytes()) {
                return Some(encoding);
            }
        }
        rest = &rest[tag_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz::fuzz_encoding_detection`: GB18030 bytes that are
    /// valid UTF-8 as well (为 is CE AA, also Ϊ) are read as UTF-8, as a
    /// browser reads them; nothing in the bytes says otherwise.
    #[test]
    fn gb18030_bytes_valid_as_utf8_read_as_utf8() {
        let text = "为 S9180ZCU2AWH1 / S9180CHC2AWH";
        let bytes = GB18030.encode(text).0;
        let decoded = decode(&bytes, None).expect("decodes");
        assert_eq!(decoded.encoding, UTF_8.name());
        assert_eq!(decoded.text, "\u{3AA} S9180ZCU2AWH1 / S9180CHC2AWH");
    }

    /// Found by `fuzz::fuzz_encoding_detection`: short GB18030 text with
    /// Latin words fits EUC-JP or Shift_JIS too, and the guess won the tie.
    #[test]
    fn short_gb18030_text_is_not_taken_for_japanese() {
        let found = [
            "视频流率 3 条 4K ProRes 422 率。",
            "新的视频流率可达 3 条 4K ProRes 422。",
            "视频流率 3 条",
            "率同时 8 条 4K 视频流。",
        ]
        .into_iter()
        .find_map(|text| {
            let (bytes, _, _) = GB18030.encode(text);
            let decoded = decode(&bytes, None).expect("decodes");
            (decoded.text != text).then_some((text, decoded.text))
        });
        assert_eq!(found, None);
    }

    /// Found by `fuzz::fuzz_encoding_detection`: two Chinese characters
    /// among Latin words fit GB18030 and Big5-HKSCS alike, and the guess
    /// (Big5) read 担任 as 童￤.
    #[test]
    fn short_gb18030_text_is_not_taken_for_big5_signs() {
        let text = "担任CHARTERED SEMICONDUCTOR MANU";
        let (bytes, _, _) = GB18030.encode(text);
        assert_eq!(decode(&bytes, None).expect("decodes").text, text);
        // Real Big5 still reads as Big5.
        let (big5, _, _) = BIG5.encode("中央社記者報導，臺灣的新聞。");
        let decoded = decode(&big5, None).expect("decodes");
        assert_eq!(decoded.text, "中央社記者報導，臺灣的新聞。");
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "央视网".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&bytes, None).unwrap();
        assert_eq!(decoded.text, "央视网");
        assert_eq!(decoded.encoding, "UTF-16LE");
    }

    #[test]
    fn lying_declaration_loses_to_the_bytes() {
        let bytes = "<meta charset=gb2312><title>新闻</title>".as_bytes();
        assert_eq!(declared_html_charset(bytes), Some(encoding_rs::GBK));
        assert_eq!(
            decode(bytes, declared_html_charset(bytes))
                .unwrap()
                .encoding,
            "UTF-8"
        );
    }

    #[test]
    fn commented_out_declaration_is_ignored() {
        let bytes = b"<meta charset=\"utf-8\"><!-- <meta charset=gb2312 /> -->";
        assert_eq!(declared_html_charset(bytes), Some(UTF_8));
        let bytes = b"<!-- <meta charset=gb2312 /> --><meta charset=\"big5\">";
        assert_eq!(declared_html_charset(bytes), Some(encoding_rs::BIG5));
    }

    #[test]
    fn empty_and_binary_are_refused() {
        assert_eq!(decode(b"", None), Err(DecodeError::Empty));
        assert_eq!(
            decode(&[0u8, 1, 2, 3, 200, 17], None),
            Err(DecodeError::Binary)
        );
    }

    #[test]
    fn a_few_bad_bytes_are_counted_not_fatal() {
        let mut bytes = "正常的新闻文本".repeat(100).into_bytes();
        bytes.insert(30, 0xFF);
        let decoded = decode(&bytes, None).unwrap();
        assert_eq!(decoded.replaced, 1);
        assert_eq!(decoded.encoding, "UTF-8");
    }
}
