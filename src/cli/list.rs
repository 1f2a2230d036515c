use serde::Serialize;

use super::{ListArgs, ListFormat, exit, print_flush};
use crate::suite::{Check, load_file};

#[derive(Serialize)]
struct ListedCheck<'a> {
    id: &'a str,
    name: &'a str,
    tags: &'a [String],
    /// Empty means every vantage.
    vantages: &'a [String],
    depends_on: &'a [String],
    method: &'a str,
    /// The URL as written in the suite, with `${NAME}` references unresolved.
    url: String,
}

pub fn list(args: ListArgs) -> u8 {
    let loaded = match load_file(&args.suite) {
        Ok(loaded) => loaded,
        Err(error) => {
            super::print_load_error(&error);
            return exit::USAGE;
        }
    };
    let checks: Vec<ListedCheck<'_>> = loaded.suite.checks.iter().map(listed).collect();
    let text = match args.format {
        ListFormat::Json => match serde_json::to_string_pretty(&checks) {
            Ok(json) => format!("{json}\n"),
            Err(error) => {
                eprintln!("error: cannot write the list as JSON: {error}");
                return exit::INTERNAL;
            }
        },
        ListFormat::Table => table(&checks),
    };
    print_flush(&text);
    exit::PASSED
}

fn listed(check: &Check) -> ListedCheck<'_> {
    let url = check.request.written_url();
    ListedCheck {
        id: &check.id,
        name: &check.name,
        tags: &check.tags,
        vantages: &check.vantages,
        depends_on: &check.depends_on,
        method: &check.request.method,
        url,
    }
}

fn table(checks: &[ListedCheck<'_>]) -> String {
    let rows: Vec<[String; 4]> = checks
        .iter()
        .map(|check| {
            let vantages = if check.vantages.is_empty() {
                "all".to_string()
            } else {
                check.vantages.join(",")
            };
            [
                check.id.to_string(),
                check.tags.join(","),
                vantages,
                format!("{} {}", check.method, check.url),
            ]
        })
        .collect();
    let header = ["ID", "TAGS", "VANTAGES", "REQUEST"].map(str::to_string);
    let mut widths = [0; 3];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}
