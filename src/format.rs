//! How figures print: grouped thousands, fixed decimals, percentages, ordinals. Every
//! output (PDF, data companion, change log) uses these, so they always agree.

/// A way of printing a figure.
pub type Format = fn(f64) -> String;

fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs() + 0.0);
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(a, b)| (a, Some(b)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    let negative = value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0');
    if negative {
        format!("-{out}")
    } else {
        out
    }
}

/// People and other counts: `11,851`.
pub fn fmt_count(v: f64) -> String {
    grouped(v, 0)
}

/// WTE to one decimal place: `1,234.5`.
pub fn fmt_wte(v: f64) -> String {
    grouped(v, 1)
}

/// A share as a percentage to one decimal place: `9.1%`.
pub fn fmt_pct(v: f64) -> String {
    format!("{}%", grouped(v * 100.0, 1))
}

/// A ratio to one decimal place: `35.1`.
pub fn fmt_ratio(v: f64) -> String {
    grouped(v, 1)
}

/// What a missing figure prints as.
pub const MISSING: &str = "–";

pub fn opt(value: Option<f64>, format: Format) -> String {
    value.map_or_else(|| MISSING.to_string(), format)
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `12th`, `13th`, `21st`, `22nd`, `23rd`, `111th`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A share in words a reader takes in at once, the way published findings put it: "almost
/// half", "over three quarters". Within half a point of a simple fraction it is "about" that
/// fraction; within four points below one, "almost" it; otherwise "over" the largest
/// fraction below it. The figure itself is always printed beside the words.
pub fn share_in_words(share: f64) -> String {
    const FRACTIONS: [(f64, &str); 11] = [
        (0.1, "a tenth"),
        (0.2, "a fifth"),
        (0.25, "a quarter"),
        (1.0 / 3.0, "a third"),
        (0.4, "two fifths"),
        (0.5, "half"),
        (0.6, "three fifths"),
        (2.0 / 3.0, "two thirds"),
        (0.75, "three quarters"),
        (0.8, "four fifths"),
        (0.9, "nine tenths"),
    ];
    if let Some((_, words)) = FRACTIONS.iter().find(|(f, _)| (share - f).abs() < 0.005) {
        return format!("about {words}");
    }
    if share >= 0.995 {
        return "all".into();
    }
    if let Some((_, words)) = FRACTIONS
        .iter()
        .find(|(f, _)| *f > share && f - share <= 0.04)
    {
        return format!("almost {words}");
    }
    match FRACTIONS.iter().rev().find(|(f, _)| *f < share) {
        Some((_, words)) => format!("over {words}"),
        None => "under a tenth".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(fmt_count(11851.0), "11,851");
        assert_eq!(fmt_wte(1234567.25), "1,234,567.2");
        assert_eq!(fmt_pct(0.0912), "9.1%");
        assert_eq!(fmt_wte(-0.01), "0.0");
        assert_eq!(fmt_wte(-12.5), "-12.5");
        assert_eq!(fmt_count(999.0), "999");
    }

    #[test]
    fn ordinals_follow_english_usage() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112, 113, 153]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
                "101st", "111th", "112th", "113th", "153rd"
            ]
        );
    }

    #[test]
    fn shares_in_words_never_overstate() {
        for (share, words) in [
            (0.46, "almost half"),
            (0.784, "almost four fifths"),
            (0.755, "over three quarters"),
            (0.77, "almost four fifths"),
            (0.5, "about half"),
            (0.333, "about a third"),
            (0.05, "under a tenth"),
            (0.12, "over a tenth"),
            (0.93, "over nine tenths"),
            (0.999, "all"),
        ] {
            assert_eq!(super::share_in_words(share), words, "{share}");
        }
    }
}
