//! CSV as RFC 4180 has it, for the batch's files (grades.csv, tests.csv, similar.csv) and for
//! reading back the grader's own records: a field that holds a comma, a quote or a line break is
//! quoted, its quotes doubled, so that every text (a student's directory name, a failure reason
//! over several lines) comes back as it was written. Lines end in `\n` (spreadsheets and
//! Python's `csv` module read both that and `\r\n`).

use std::borrow::Cow;

/// One field, quoted only when it has to be.
pub fn field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// One record: the fields quoted as needed, joined by commas, and the line's end.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let fields: Vec<Cow<str>> = fields.iter().map(|f| field(f.as_ref())).collect();
    fields.join(",") + "\n"
}

/// One record of a table meant for a spreadsheet (grades.csv and the batch's other tables): as
/// `record`, but a field that a spreadsheet would take for a formula gets a `'` in front, which
/// spreadsheets show as text. A student's name or file name can be anything, and a cell
/// `=HYPERLINK(...)` or `=cmd|...` must stay text on the instructor's screen (OWASP's "CSV
/// injection"). Not for the grader's own records, which must read back exactly.
pub fn sheet_record<S: AsRef<str>>(fields: &[S]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|f| {
            let f = f.as_ref();
            if f.starts_with(FORMULA_STARTS) {
                format!("'{f}")
            } else {
                f.to_owned()
            }
        })
        .collect();
    record(&fields)
}

/// What a spreadsheet cell starts with when it is a formula (or, for a tab or a carriage
/// return, can become one).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Every record of a CSV text, its fields unquoted. A quote that does not close is an error.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    // Whether the record being read has anything in it yet (an empty line is not a record).
    let mut started = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if current.is_empty() => {
                started = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            current.push('"');
                        }
                        Some('"') => break,
                        Some(c) => current.push(c),
                        None => {
                            return Err(format!(
                                "a quote opened in record {} does not close",
                                records.len() + 1
                            ));
                        }
                    }
                }
            }
            ',' => {
                started = true;
                record.push(std::mem::take(&mut current));
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if started || !current.is_empty() {
                    record.push(std::mem::take(&mut current));
                    records.push(std::mem::take(&mut record));
                }
                started = false;
            }
            c => {
                started = true;
                current.push(c);
            }
        }
    }
    if started || !current.is_empty() {
        record.push(current);
        records.push(record);
    }
    Ok(records)
}

/// The records of a CSV text with a header line, each as (column name, field) pairs; the header
/// must be `header`.
pub fn parse_with_header(
    text: &str,
    header: &[&str],
) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut records = parse(text)?.into_iter();
    let first = records.next().unwrap_or_default();
    if first != header {
        return Err(format!("the header is {first:?}, not {header:?}",));
    }
    records
        .enumerate()
        .map(|(i, fields)| {
            if fields.len() != header.len() {
                return Err(format!(
                    "record {} has {} fields, not {}",
                    i + 2,
                    fields.len(),
                    header.len()
                ));
            }
            Ok(header.iter().map(|h| h.to_string()).zip(fields).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_round_trips() {
        let texts = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "\"",
            "two\nlines",
            "crlf\r\nline",
            "</td><script>",
            " spaces kept ",
            "é ünïcode",
        ];
        let mut text = String::new();
        for (i, t) in texts.iter().enumerate() {
            text.push_str(&record(&[&i.to_string(), *t, "end"]));
        }
        let records = parse(&text).unwrap();
        assert_eq!(records.len(), texts.len());
        for (i, (record, t)) in records.iter().zip(texts).enumerate() {
            assert_eq!(record, &[i.to_string(), t.to_owned(), "end".to_owned()]);
        }
    }

    #[test]
    fn only_fields_that_need_it_are_quoted() {
        assert_eq!(
            record(&["a", "b c", "d,e", "f\"g"]),
            "a,b c,\"d,e\",\"f\"\"g\"\n"
        );
    }

    #[test]
    fn a_spreadsheet_sees_no_formula() {
        let fields = [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "a=b",
            "3",
        ];
        let records = parse(&sheet_record(&fields)).unwrap();
        assert_eq!(
            records[0],
            [
                "'=HYPERLINK(\"http://x\")",
                "'+1",
                "'-2",
                "'@SUM(A1)",
                "'\tx",
                "a=b",
                "3"
            ]
        );
        // The grader's own records are not touched.
        assert_eq!(parse(&record(&fields)).unwrap()[0], fields);
    }

    #[test]
    fn an_unclosed_quote_is_an_error_and_the_header_is_checked() {
        assert!(parse("a,\"b\n").is_err());
        assert!(parse_with_header("x,y\n1,2\n", &["x", "z"]).is_err());
        assert!(parse_with_header("x,y\n1\n", &["x", "y"]).is_err());
        let rows = parse_with_header("x,y\n1,\"2\n3\"\n", &["x", "y"]).unwrap();
        assert_eq!(rows[0][1], ("y".to_owned(), "2\n3".to_owned()));
    }
}
