//! A mutation fuzzer over the files users write: campaigns, directory files and supporter CSVs,
//! mutated from the shipped files and run through the loaders, the letter renderer, `check` and,
//! for a sample, the `appeal` binary.
//!
//! Every input is made from its own 64-bit seed (a splitmix64 stream), so a failure is
//! reproduced from that seed alone, and the run is the same on every machine. What it claims of
//! each input: no panic, no hang (a time budget per input), every error has a file and a line
//! that lies inside the file, and a run of the binary writes nothing outside its output folder.
//!
//! Knobs, all environment variables:
//! - `APPEAL_FUZZ_CASES=N`: how many mutated inputs (default 10000, about a minute in a debug
//!   build on two cores); raise it to search longer, e.g. `APPEAL_FUZZ_CASES=200000`.
//! - `APPEAL_FUZZ_SEED=S`: the run's base seed (decimal or 0x-hex; default fixed so CI is
//!   deterministic); `random` takes one from the clock and prints it.
//! - `APPEAL_FUZZ_CASE=0x...`: run only the input with that seed (as printed by a failure),
//!   through every stage and the binary, and print its mutations.
//! - `APPEAL_FUZZ_BINARY=N`: how many of the inputs also go through the binary (default 30).
//!
//! A failing input is saved under `target/tmp/fuzz-failures/<seed>/`, laid out as the project
//! file it replaces (`shipped/campaigns/juraev-2011.yaml`). To keep it as a regression case,
//! copy that folder to `tests/fuzz/regressions/<name>/`: every folder there is run on each test
//! run. A failure not yet fixed is listed in `tests/fuzz/known.txt` with a reason; only then is
//! its regression case skipped and a fuzzed input failing the same way counted as known.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::{Duration, Instant, SystemTime};

use appeal::batch::check::check_campaign;
use appeal::model::campaign::{Addressee, Campaign};
use appeal::model::diag::{Diagnostic, Diagnostics};
use appeal::model::directory::{Directory, Recipient};
use appeal::model::lang::Lang;
use appeal::model::project::Project;
use appeal::model::supporter::{Supporter, SupporterInput, SupportersFile};
use appeal::render;
use appeal::render::letter::{Renderer, plan};
use appeal::render::templates::Templates;

use crate::harness::{BIN, DEMO_CAMPAIGN, DEMO_DIRECTORY, repo};

/// The default number of inputs: enough to matter, small enough for a minute in CI.
const DEFAULT_CASES: u64 = 10_000;
const DEFAULT_SEED: u64 = 0x00a9_9ea1_f022_2026;
const DEFAULT_BINARY_RUNS: u64 = 30;
/// Longer than this for one input is a hang. Generous: a debug build, sharing two cores with
/// the rest of the tests, takes up to a few seconds for the largest inputs.
const BUDGET: Duration = Duration::from_secs(20);
/// One input in this many is also run through the whole `check`, when it loads.
const FULL_CHECK_EVERY: usize = 20;
/// The campaign date: inside every shipped campaign's life, so the letters are rendered.
const TODAY: (i32, u32, u32) = (2026, 2, 1);
/// The stack of the binary's main thread on Linux, so the in-process runs fail where it would.
const STACK: usize = 8 << 20;

/// A supporters file with the columns a file may have, an extra one, quoting, a multi-line
/// note, several scripts and countries that resolve embassies and governments differently.
const SUPPORTERS: &str = "name,address,postcode,city,country,email,lang,note,group
Eva Muster,Hauptstraße 1,10115,Berlin,DE,eva@example.org,de,,berlin
Jean Dupont,\"12 rue de la Paix, bât. B\",75002,Paris,FR,jean@example.fr,fr,\"Je vous écris, inquiet.\",paris
Ola Nordmann,Karl Johans gate 1,0154,Oslo,NO,,en,,
Анна Иванова,\"ул. Тверская, 1\",125009,Москва,RU,anna@example.ru,ru,,
Sam Smith,1 High St,SW1A 1AA,London,GB,sam@example.co.uk,,\"Line one
line two\",
";

// ---------------------------------------------------------------------------------------------
// The generator: a seeded PRNG and the mutations.

/// splitmix64: tiny, fast and good enough to pick mutations; the whole state is the seed.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of input `i` of a run with base seed `base`.
fn case_seed(base: u64, i: u64) -> u64 {
    Rng(base ^ i.wrapping_mul(0xd1b5_4a32_d192_ed03)).next()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// The shipped campaigns, directory and templates.
    Shipped,
    /// The small demo campaign and directory of the harness, with the built-in templates: cheap
    /// to load, so most inputs can afford the renderer.
    Demo,
}

impl Context {
    fn name(self) -> &'static str {
        match self {
            Context::Shipped => "shipped",
            Context::Demo => "demo",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Campaign,
    Directory,
    Supporters,
}

impl Kind {
    fn of(rel: &str) -> Kind {
        if rel.starts_with("campaigns/") {
            Kind::Campaign
        } else if rel.starts_with("recipients/") {
            Kind::Directory
        } else {
            Kind::Supporters
        }
    }
}

/// One mutated input: the file it replaces in its project, its bytes, and what to run it through.
struct Input {
    seed: u64,
    context: Context,
    /// The project file it stands in for (`campaigns/juraev-2011.yaml`, `supporters.csv`).
    rel: String,
    bytes: Vec<u8>,
    mutations: Vec<String>,
    /// Also the whole `check` (when the input loads).
    full_check: bool,
    /// For a directory file: also the whole directory, the campaign and the renderer.
    deep: bool,
    /// Also `appeal check` and `appeal letters` as processes.
    binary: bool,
}

impl Input {
    fn kind(&self) -> Kind {
        Kind::of(&self.rel)
    }

    fn describe(&self) -> String {
        format!(
            "seed {:#018x}: {}/{} after [{}]",
            self.seed,
            self.context.name(),
            self.rel,
            self.mutations.join("; ")
        )
    }
}

/// Makes input `seed`: a project file picked and mutated one to four times.
fn generate(seed: u64, fx: &Fixtures, binary: bool) -> Input {
    let mut rng = Rng(seed);
    let (context, rel) = match rng.below(100) {
        // Campaigns: the shipped ones are 30-60 KB and take ~10 ms to parse in a debug build,
        // so most campaign inputs are the demo's.
        0..=6 => (
            Context::Shipped,
            rng.pick(&fx.shipped.campaign_files).clone(),
        ),
        7..=39 => (Context::Demo, "campaigns/demo.yaml".to_string()),
        40..=59 => (
            Context::Shipped,
            rng.pick(&fx.shipped.directory_files).clone(),
        ),
        60..=79 => (Context::Demo, "recipients/demo.yaml".to_string()),
        80..=89 => (Context::Shipped, "supporters.csv".to_string()),
        _ => (Context::Demo, "supporters.csv".to_string()),
    };
    let fixture = fx.get(context);
    let mut bytes = fixture.pristine(&rel).to_vec();
    let csv = Kind::of(&rel) == Kind::Supporters;
    let mut mutations = Vec::new();
    let mut n = 1;
    while n < 4 && rng.one_in(2) {
        n += 1;
    }
    for _ in 0..n {
        let m = if csv {
            mutate_csv(&mut rng, &mut bytes)
        } else {
            mutate_yaml(&mut rng, &mut bytes)
        };
        mutations.push(m);
    }
    Input {
        seed,
        context,
        rel,
        bytes,
        mutations,
        full_check: rng.one_in(FULL_CHECK_EVERY),
        deep: context == Context::Demo || rng.one_in(4),
        binary,
    }
}

/// Where each line starts.
fn line_starts(b: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        b.iter()
            .enumerate()
            .filter(|(_, c)| **c == b'\n')
            .map(|(i, _)| i + 1),
    );
    if starts.last() == Some(&b.len()) && !b.is_empty() {
        starts.pop();
    }
    starts
}

/// The line `i` as a byte range, without its line end.
fn line_range(b: &[u8], starts: &[usize], i: usize) -> (usize, usize) {
    let start = starts[i];
    let mut end = starts.get(i + 1).map_or(b.len(), |s| s - 1);
    if end > start && b[end - 1] == b'\r' {
        end -= 1;
    }
    (start, end)
}

/// Every `key: value` line: where the key starts and where the value starts and ends (the value
/// is empty for a key that opens a block).
fn key_lines(b: &[u8]) -> Vec<(usize, usize, usize)> {
    let starts = line_starts(b);
    let mut out = Vec::new();
    for i in 0..starts.len() {
        let (start, end) = line_range(b, &starts, i);
        let line = &b[start..end];
        let mut k = line.iter().take_while(|c| **c == b' ').count();
        if line[k..].starts_with(b"- ") {
            k += 2;
        }
        let key_len = line[k..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
            .count();
        if key_len == 0 || line.get(k + key_len) != Some(&b':') {
            continue;
        }
        let after = k + key_len + 1;
        let value = if line.get(after) == Some(&b' ') {
            after + 1
        } else {
            after
        };
        out.push((start + k, start + value.min(line.len()), end));
    }
    out
}

/// A span to replace: the value of a `key: value` line, else a random point.
fn value_span(rng: &mut Rng, b: &[u8]) -> (usize, usize) {
    let keys = key_lines(b);
    if keys.is_empty() {
        let at = rng.below(b.len() + 1);
        return (at, at);
    }
    let (_, v, e) = *rng.pick(&keys);
    (v, e)
}

fn splice(b: &mut Vec<u8>, (start, end): (usize, usize), with: &[u8]) {
    b.splice(start..end, with.iter().copied());
}

const TYPE_SWAPS: &[&str] = &[
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "0",
    "-1",
    "1.5",
    "1e400",
    "-0",
    "0x1F",
    "0o17",
    "012",
    "1_000",
    ".inf",
    "-.nan",
    "true",
    "false",
    "yes",
    "NO",
    "null",
    "~",
    "\"\"",
    "''",
    "\" \"",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "-2026-01-01",
    "+2026-01-01",
    "2026-01-01T10:00:00Z",
    "|\n  a block\n",
    ">-\n  folded\n",
    "|9\n x\n",
    "\n  - item",
    "\n  key: value",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\x00\\e\\a\"",
    "\"\\U0010FFFF\"",
    "'",
    "\"",
    "&",
    "*",
    "@",
    "`",
    "%",
    "? complex",
    ": x",
    "a: b: c",
    "[unclosed",
    "{unclosed",
    "x #",
    "-",
    "- - -",
    "---",
    "...",
    "<<: *x",
    "!!null ''",
    "xx-nonexistent",
    "ZZ",
    "und",
    "en-US-u-ca-buddhist",
    "\u{202e}txt.exe",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "../../../etc/passwd",
];

const TAGS: &[&str] = &[
    "!",
    "!foo",
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!map",
    "!!seq",
    "!!binary",
    "!!timestamp",
    "!!set",
    "!!omap",
    "!!merge",
    "!include",
    "!<tag:yaml.org,2002:str>",
    "!<tag:yaml.org,2002:binary>",
    "!<tag:yaml.org,2002:int>",
    "!!python/object/apply:os.system",
    "!e!foo",
    "!<!>",
    "!%41",
];

const DIRECTIVES: &[&str] = &[
    "%YAML 1.1\n---\n",
    "%YAML 1.2\n---\n",
    "%YAML 2.0\n---\n",
    "%TAG !e! tag:example.com,2000:\n---\n",
    "%TAG ! tag:yaml.org,2002:\n---\n",
    "%FOO bar\n---\n",
    "---\n",
    "--- !!map\n",
];

const BAD_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xc0\x80",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xef\xbf\xbe",
];

const ODD_CHARS: &[&str] = &[
    "\u{0}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "\u{fffd}",
    "\u{1f600}",
    "e\u{301}\u{301}\u{301}",
    "\t",
    "\x0b",
    "\x0c",
];

const INTERESTING_BYTES: &[u8] = &[
    0, 0xff, b':', b'-', b'#', b'&', b'*', b'!', b'|', b'>', b'"', b'\'', b'{', b'[', b']', b'}',
    b',', b'\t', b'\n', b'\r', b' ', b'%', b'@', b'`', b'?', b'\\', 0x80, 0xc3,
];

/// A few hundred kilobytes at most: big enough to cross every length limit, small enough to
/// parse in a debug build (one in fifty is a megabyte).
fn huge_len(rng: &mut Rng) -> usize {
    if rng.one_in(50) {
        return 1 << 20;
    }
    *rng.pick(&[301, 2_000, 20_000, 200_000])
}

fn huge_string(rng: &mut Rng, quoted: bool) -> (Vec<u8>, String) {
    let len = huge_len(rng);
    let unit = *rng.pick(&[
        "a",
        "word ",
        "ж",
        "漢",
        "\u{1f600}",
        "ש",
        "e\u{301}",
        "\u{202e}",
        "\\n",
        "'",
    ]);
    let count = len / unit.len().max(1);
    let body = unit.repeat(count);
    let text = if quoted {
        format!("\"{}\"", body.replace('"', "\\\""))
    } else if unit.starts_with('\\') || unit == "'" {
        format!("\"{body}\"")
    } else {
        body
    };
    (text.into_bytes(), format!("huge string {count} x {unit:?}"))
}

/// Nesting `depth` deep, in flow or block style, starting on a value's line at `indent`.
fn nesting(rng: &mut Rng, indent: usize) -> (Vec<u8>, String) {
    match rng.below(4) {
        0 => {
            let d = *rng.pick(&[50, 500, 5_000, 50_000]);
            (
                format!("{}{}", "[".repeat(d), "]".repeat(d)).into_bytes(),
                format!("flow sequences {d} deep"),
            )
        }
        1 => {
            let d = *rng.pick(&[50, 500, 5_000, 50_000]);
            (
                format!("{}x{}", "{a: ".repeat(d), "}".repeat(d)).into_bytes(),
                format!("flow mappings {d} deep"),
            )
        }
        2 => {
            let d = *rng.pick(&[50, 300, 1_000]);
            let mut s = String::new();
            for i in 0..d {
                s.push('\n');
                s.push_str(&" ".repeat(indent + 2 + i));
                s.push_str("a:");
            }
            s.push_str(" x");
            (s.into_bytes(), format!("block mappings {d} deep"))
        }
        _ => {
            let d = *rng.pick(&[50, 300, 1_000]);
            let mut s = String::from("\n");
            s.push_str(&" ".repeat(indent + 2));
            s.push_str(&"- ".repeat(d));
            s.push('x');
            (s.into_bytes(), format!("block sequences {d} deep"))
        }
    }
}

fn indent_at(b: &[u8], at: usize) -> usize {
    let start = b[..at]
        .iter()
        .rposition(|c| *c == b'\n')
        .map_or(0, |i| i + 1);
    b[start..].iter().take_while(|c| **c == b' ').count()
}

fn aliases(rng: &mut Rng, b: &mut Vec<u8>) -> String {
    let keys = key_lines(b);
    match rng.below(6) {
        // An anchor on one value, its alias in place of another (often of another type).
        0 if keys.len() >= 2 => {
            let mut two = [*rng.pick(&keys), *rng.pick(&keys)];
            two.sort();
            let [(_, v1, _), (_, v2, e2)] = two;
            if v1 == v2 {
                splice(b, (v1, v1), b"&x ");
                return "anchor on a value".into();
            }
            splice(b, (v2, e2), b"*x");
            splice(b, (v1, v1), b"&x ");
            "anchor on one value, alias for another".into()
        }
        1 => {
            let span = value_span(rng, b);
            splice(b, span, b"*nowhere");
            "alias to no anchor".into()
        }
        2 => {
            let span = value_span(rng, b);
            splice(b, span, b"&r [*r]");
            "alias inside its own anchor".into()
        }
        3 => {
            // The billion laughs, in one flow sequence.
            let wide = *rng.pick(&[4, 9, 16]);
            let levels = *rng.pick(&[4, 9, 12]);
            let mut s = format!("[&a0 [{}]", vec!["lol"; wide].join(","));
            for l in 1..levels {
                s.push_str(&format!(
                    ", &a{l} [{}]",
                    vec![format!("*a{}", l - 1); wide].join(",")
                ));
            }
            s.push(']');
            let span = value_span(rng, b);
            splice(b, span, s.as_bytes());
            format!("alias bomb {wide}^{levels}")
        }
        4 if !keys.is_empty() => {
            let (k, _, _) = *rng.pick(&keys);
            let indent = indent_at(b, k);
            let line = format!("{}<<: {{merged: 1}}\n", " ".repeat(indent));
            let start = b[..k]
                .iter()
                .rposition(|c| *c == b'\n')
                .map_or(0, |i| i + 1);
            splice(b, (start, start), line.as_bytes());
            "merge key".into()
        }
        _ if !keys.is_empty() => {
            let (k, _, _) = *rng.pick(&keys);
            splice(b, (k, k), b"&k ");
            let keys = key_lines(b);
            let k2 = if keys.is_empty() {
                k
            } else {
                rng.pick(&keys).0
            };
            splice(b, (k2, k2), b"*k : ");
            "anchor on a key, alias as a key".into()
        }
        _ => "no aliases (no keys)".into(),
    }
}

/// Mutations of a YAML file.
fn mutate_yaml(rng: &mut Rng, b: &mut Vec<u8>) -> String {
    match rng.below(24) {
        0..=5 => generic(rng, b),
        6 | 7 => {
            let span = value_span(rng, b);
            let with = *rng.pick(TYPE_SWAPS);
            splice(b, span, with.as_bytes());
            format!("type swap at byte {} -> {with:?}", span.0)
        }
        8 => {
            let span = value_span(rng, b);
            let (s, what) = huge_string(rng, rng.clone().one_in(2));
            splice(b, span, &s);
            format!("{what} at byte {}", span.0)
        }
        9 => {
            let span = value_span(rng, b);
            let (s, what) = nesting(rng, indent_at(b, span.0));
            splice(b, span, &s);
            format!("{what} at byte {}", span.0)
        }
        10 | 11 => aliases(rng, b),
        12 | 13 => {
            if rng.one_in(5) {
                let d = *rng.pick(DIRECTIVES);
                splice(b, (0, 0), d.as_bytes());
                return format!("directive {d:?}");
            }
            let span = value_span(rng, b);
            let tag = *rng.pick(TAGS);
            splice(b, (span.0, span.0), format!("{tag} ").as_bytes());
            format!("tag {tag} at byte {}", span.0)
        }
        14 | 15 => duplicate_key(rng, b),
        16 => {
            let at = rng.below(b.len() + 1);
            let doc = *rng.pick(&["---\n", "...\n", "--- \n", "---\nid: other\n"]);
            let start = b[..at]
                .iter()
                .rposition(|c| *c == b'\n')
                .map_or(0, |i| i + 1);
            splice(b, (start, start), doc.as_bytes());
            format!("document marker {doc:?} at byte {start}")
        }
        17 => {
            let keys = key_lines(b);
            if keys.is_empty() {
                return generic(rng, b);
            }
            let (k, _, _) = *rng.pick(&keys);
            let start = b[..k]
                .iter()
                .rposition(|c| *c == b'\n')
                .map_or(0, |i| i + 1);
            let what = *rng.pick(&[" ", "  ", "\t", ""]);
            if what.is_empty() && k > start {
                b.remove(start);
                return format!("indent one less at byte {start}");
            }
            splice(b, (start, start), what.as_bytes());
            format!("indent {what:?} more at byte {start}")
        }
        _ => encoding(rng, b),
    }
}

fn duplicate_key(rng: &mut Rng, b: &mut Vec<u8>) -> String {
    let keys = key_lines(b);
    if keys.is_empty() {
        return generic(rng, b);
    }
    let (k, _, e) = *rng.pick(&keys);
    let start = b[..k]
        .iter()
        .rposition(|c| *c == b'\n')
        .map_or(0, |i| i + 1);
    let line = b[start..e].to_vec();
    if rng.one_in(3) && indent_at(b, k) == 0 {
        if b.last() != Some(&b'\n') {
            b.push(b'\n');
        }
        b.extend_from_slice(&line);
        b.push(b'\n');
        return format!("top-level key at byte {k} repeated at the end");
    }
    let mut copy = line;
    copy.push(b'\n');
    splice(b, (start, start), &copy);
    format!("key line at byte {start} written twice")
}

/// NUL, invalid UTF-8, byte-order marks and line ends: the same for YAML and CSV.
fn encoding(rng: &mut Rng, b: &mut Vec<u8>) -> String {
    match rng.below(10) {
        0 => {
            let at = rng.below(b.len() + 1);
            b.insert(at, 0);
            format!("NUL at byte {at}")
        }
        1 | 2 => {
            let at = rng.below(b.len() + 1);
            let bad = *rng.pick(BAD_UTF8);
            splice(b, (at, at), bad);
            format!("invalid UTF-8 {bad:02x?} at byte {at}")
        }
        3 => {
            // A multi-byte character cut: its lead byte kept, a continuation byte replaced.
            match (0..b.len()).find(|i| b[*i] >= 0xc0 && *i >= rng.below(b.len())) {
                Some(i) if i + 1 < b.len() => {
                    b[i + 1] = b'x';
                    format!("multi-byte character cut at byte {i}")
                }
                _ => {
                    b.push(0xe2);
                    "truncated character at the end".into()
                }
            }
        }
        4 => {
            let what = rng.below(5);
            match what {
                0 => splice(b, (0, 0), "\u{feff}".as_bytes()),
                1 => splice(b, (0, 0), "\u{feff}\u{feff}".as_bytes()),
                2 => {
                    let starts = line_starts(b);
                    let at = *rng.pick(&starts);
                    splice(b, (at, at), "\u{feff}".as_bytes());
                }
                3 => splice(b, (0, 0), b"\xff\xfe"),
                _ => {
                    // The whole file as UTF-16LE, as Windows editors may save it.
                    let text = String::from_utf8_lossy(b).into_owned();
                    let mut out = vec![0xff, 0xfe];
                    for u in text.encode_utf16() {
                        out.extend_from_slice(&u.to_le_bytes());
                    }
                    *b = out;
                }
            }
            [
                "BOM",
                "two BOMs",
                "BOM inside",
                "UTF-16 BOM",
                "UTF-16LE file",
            ][what]
                .into()
        }
        5 => {
            *b = replace_all(b, b"\n", b"\r\n");
            "CRLF line ends".into()
        }
        6 => {
            *b = replace_all(b, b"\n", b"\r");
            "CR line ends".into()
        }
        7 => {
            let mut out = Vec::with_capacity(b.len() + b.len() / 20);
            for &c in b.iter() {
                if c == b'\n' {
                    let ends: [&[u8]; 4] = [b"\n", b"\r\n", b"\r", b"\n\r"];
                    let end: &[u8] = ends[rng.below(ends.len())];
                    out.extend_from_slice(end);
                } else {
                    out.push(c);
                }
            }
            *b = out;
            "mixed line ends".into()
        }
        8 => {
            let unit = *rng.pick(&["\u{85}", "\u{2028}", "\u{2029}", "\x0b", "\x0c"]);
            *b = replace_all(b, b"\n", unit.as_bytes());
            format!("line ends as {unit:?}")
        }
        _ => {
            let at = rng.below(b.len() + 1);
            let odd = *rng.pick(ODD_CHARS);
            splice(b, (at, at), odd.as_bytes());
            format!("{odd:?} at byte {at}")
        }
    }
}

fn replace_all(b: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() * 2);
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Mutations that know nothing of the format: bits, bytes, ranges and lines.
fn generic(rng: &mut Rng, b: &mut Vec<u8>) -> String {
    if b.is_empty() {
        let some: [&[u8]; 4] = [b"x", b"\n", b"-", b":"];
        let byte: &[u8] = some[rng.below(some.len())];
        b.extend_from_slice(byte);
        return "empty file given a byte".into();
    }
    let len = b.len();
    match rng.below(9) {
        0 | 1 => {
            let n = 1 + rng.below(8);
            let mut at = Vec::new();
            for _ in 0..n {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
                at.push(i);
            }
            format!("bit flips at bytes {at:?}")
        }
        2 => {
            let i = rng.below(len);
            let v = *rng.pick(INTERESTING_BYTES);
            b[i] = v;
            format!("byte {i} set to {v:#04x}")
        }
        3 => {
            let at = if rng.one_in(2) {
                rng.below(len)
            } else {
                *rng.pick(&line_starts(b))
            };
            b.truncate(at);
            format!("truncated to {at} bytes")
        }
        4 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(64)).min(len);
            b.drain(start..end);
            format!("bytes {start}..{end} deleted")
        }
        5 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(256)).min(len);
            let chunk = b[start..end].to_vec();
            let at = rng.below(b.len() + 1);
            splice(b, (at, at), &chunk);
            format!("bytes {start}..{end} copied to {at}")
        }
        6 => {
            let starts = line_starts(b);
            let i = rng.below(starts.len());
            let end = starts.get(i + 1).copied().unwrap_or(len);
            b.drain(starts[i]..end);
            format!("line {} deleted", i + 1)
        }
        7 => {
            let starts = line_starts(b);
            let i = rng.below(starts.len());
            let end = starts.get(i + 1).copied().unwrap_or(len);
            let mut line = b[starts[i]..end].to_vec();
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            let to = *rng.pick(&starts);
            splice(b, (to, to), &line);
            format!("line {} copied to byte {to}", i + 1)
        }
        _ => {
            let at = rng.below(len + 1);
            let s: Vec<u8> = (0..1 + rng.below(8))
                .map(|_| 0x20 + rng.below(0x5f) as u8)
                .collect();
            splice(b, (at, at), &s);
            format!("{:?} inserted at byte {at}", String::from_utf8_lossy(&s))
        }
    }
}

const CSV_VALUES: &[&str] = &[
    "",
    " ",
    "\"",
    "\"\"",
    "\"unclosed",
    "a\"b",
    "=1+1",
    "@SUM(A1)",
    "../../../x",
    "..",
    ".",
    "/",
    "\\",
    "CON",
    "a/b",
    "~",
    ".hidden",
    "x\u{0}y",
    "\u{202e}evil",
    "\u{1b}[2J",
    "名前",
    "\u{1f600}",
    "DE",
    "de",
    "XX",
    "ZZ",
    "D E",
    "en_US",
    "x-klingon",
    "zz-Zzzz-ZZ-x-private-abcdefgh",
    "a@b",
    "@",
    "a@@b",
    "a@b@c",
    "<a@b>",
    "\"a\nb\"",
    "\"a\rb\"",
    "\r",
    "\u{85}",
];

/// Mutations of a supporters CSV.
fn mutate_csv(rng: &mut Rng, b: &mut Vec<u8>) -> String {
    let starts = line_starts(b);
    match rng.below(16) {
        0..=3 => generic(rng, b),
        4 | 5 => encoding(rng, b),
        6 => {
            let to = *rng.pick(&[&b";"[..], b"\t", b"|", b", "]);
            if rng.one_in(2) {
                *b = replace_all(b, b",", to);
                format!("separator {:?} everywhere", String::from_utf8_lossy(to))
            } else {
                let (s, e) = line_range(b, &starts, 0);
                let header = replace_all(&b[s..e], b",", to);
                splice(b, (s, e), &header);
                format!("separator {:?} in the header", String::from_utf8_lossy(to))
            }
        }
        7 | 8 => {
            // A field replaced: find the n-th comma of a line.
            let i = rng.below(starts.len());
            let (s, e) = line_range(b, &starts, i);
            let commas: Vec<usize> = (s..e).filter(|j| b[*j] == b',').collect();
            let at = if commas.is_empty() {
                s
            } else {
                *rng.pick(&commas) + 1
            };
            let end = (at..e).find(|j| b[*j] == b',').unwrap_or(e);
            let v = *rng.pick(CSV_VALUES);
            splice(b, (at, end), v.as_bytes());
            format!("line {} field at byte {at} -> {v:?}", i + 1)
        }
        9 => {
            let (s, e) = line_range(b, &starts, 0);
            let header = String::from_utf8_lossy(&b[s..e]).into_owned();
            let (new, what) = match rng.below(6) {
                0 => (header.replacen("name", "Name ", 1), "header `Name `"),
                1 => (header.replacen("name", "nom", 1), "no `name` column"),
                2 => (format!("{header},name"), "`name` twice"),
                3 => (
                    header.replacen("email", "name", 1),
                    "`name` twice, second in place of `email`",
                ),
                4 => (format!("\u{feff}{header}"), "BOM before the header"),
                _ => (format!("{header},,"), "empty column names"),
            };
            splice(b, (s, e), new.as_bytes());
            what.into()
        }
        10 => {
            let i = 1 + rng.below(starts.len().saturating_sub(1).max(1));
            let i = i.min(starts.len() - 1);
            let (s, e) = line_range(b, &starts, i);
            if rng.one_in(2) {
                splice(b, (e, e), b",extra,fields");
                format!("line {} given two fields more", i + 1)
            } else {
                let cut = (s..e).rev().find(|j| b[*j] == b',').unwrap_or(s);
                b.drain(cut..e);
                format!("line {} lost its last field", i + 1)
            }
        }
        11 => {
            let i = rng.below(starts.len());
            let (s, _) = line_range(b, &starts, i);
            let (field, what) = huge_string(rng, true);
            let mut line = field;
            line.extend_from_slice(b",x\n");
            splice(b, (s, s), &line);
            format!("{what} as a row before line {}", i + 1)
        }
        12 => {
            let n = *rng.pick(&[100, 2_000, 10_000]);
            let (s, e) = line_range(b, &starts, 0);
            let mut extra = String::new();
            for c in 0..n {
                extra.push_str(&format!(",c{c}"));
            }
            splice(b, (e, e), extra.as_bytes());
            let _ = s;
            format!("{n} extra columns in the header")
        }
        13 => {
            let i = 1 + rng.below(starts.len().saturating_sub(1).max(1));
            let i = i.min(starts.len() - 1);
            let (s, e) = line_range(b, &starts, i);
            let mut line = b[s..e].to_vec();
            line.push(b'\n');
            let n = *rng.pick(&[2, 50, 500]);
            let rows = line.repeat(n);
            splice(b, (s, s), &rows);
            format!("line {} repeated {n} times", i + 1)
        }
        14 => {
            let at = rng.below(b.len() + 1);
            let what = *rng.pick(&["\n", "\n\n\n", ",,,,,,,,\n", "\"", "\"\"", "\r", " \n"]);
            splice(b, (at, at), what.as_bytes());
            format!("{what:?} at byte {at}")
        }
        _ => {
            b.truncate(rng.below(b.len().min(80) + 1));
            format!("truncated to {} bytes", b.len())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The projects the inputs run in.

/// A project loaded once, pristine: what every input of its context is checked against.
struct Fixture {
    context: Context,
    /// The pristine files, by path inside the project.
    files: BTreeMap<String, Vec<u8>>,
    campaign_files: Vec<String>,
    directory_files: Vec<String>,
    /// The campaign that supporters files are rendered with.
    supporters_campaign: String,
    templates: Templates,
    directory: Directory,
    campaigns: BTreeMap<String, Campaign>,
    /// Where the pristine project is (the loaded values point into it).
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn pristine(&self, rel: &str) -> &[u8] {
        &self.files[rel]
    }

    fn load(context: Context) -> Fixture {
        let mut files = BTreeMap::new();
        let dir = tempfile::tempdir().expect("temporary folder");
        match context {
            Context::Shipped => {
                for sub in ["campaigns", "recipients"] {
                    for e in std::fs::read_dir(repo().join(sub)).unwrap().flatten() {
                        let name = e.file_name().to_string_lossy().into_owned();
                        files.insert(format!("{sub}/{name}"), std::fs::read(e.path()).unwrap());
                    }
                }
            }
            Context::Demo => {
                files.insert("campaigns/demo.yaml".into(), DEMO_CAMPAIGN.into());
                files.insert("recipients/demo.yaml".into(), DEMO_DIRECTORY.into());
            }
        }
        files.insert("supporters.csv".into(), SUPPORTERS.into());
        write_project(dir.path(), context, &files);
        let mut diags = Diagnostics::default();
        let folders = match context {
            Context::Shipped => vec![dir.path().join("templates")],
            Context::Demo => vec![],
        };
        let templates = Templates::load(&folders, &mut diags);
        let directory = Directory::load(&dir.path().join("recipients"), &mut diags);
        let campaign_files: Vec<String> = files
            .keys()
            .filter(|k| k.starts_with("campaigns/"))
            .cloned()
            .collect();
        let directory_files = files
            .keys()
            .filter(|k| k.starts_with("recipients/"))
            .cloned()
            .collect();
        let mut campaigns = BTreeMap::new();
        for rel in &campaign_files {
            let c = Campaign::load(&dir.path().join(rel), &directory, &mut diags);
            campaigns.insert(rel.clone(), c.expect("a shipped campaign loads"));
        }
        assert!(
            !diags.has_errors(),
            "the pristine {context:?} project has errors: {:?}",
            diags.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
        let supporters_campaign = match context {
            Context::Shipped => "campaigns/no-extradition-to-russia.yaml",
            Context::Demo => "campaigns/demo.yaml",
        }
        .to_string();
        Fixture {
            context,
            files,
            campaign_files,
            directory_files,
            supporters_campaign,
            templates,
            directory,
            campaigns,
            _dir: dir,
        }
    }
}

/// Writes a project: its files, and for the shipped one the shipped templates.
fn write_project(root: &Path, context: Context, files: &BTreeMap<String, Vec<u8>>) {
    for (rel, bytes) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    if context == Context::Shipped {
        let to = root.join("templates");
        std::fs::create_dir_all(&to).unwrap();
        // Files only: `templates/style/` holds the style notes, not templates.
        for e in std::fs::read_dir(repo().join("templates"))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
        {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

struct Fixtures {
    shipped: Fixture,
    demo: Fixture,
}

impl Fixtures {
    fn get(&self, context: Context) -> &Fixture {
        match context {
            Context::Shipped => &self.shipped,
            Context::Demo => &self.demo,
        }
    }
}

fn fixtures() -> Arc<Fixtures> {
    static FIXTURES: OnceLock<Arc<Fixtures>> = OnceLock::new();
    FIXTURES
        .get_or_init(|| {
            Arc::new(Fixtures {
                shipped: Fixture::load(Context::Shipped),
                demo: Fixture::load(Context::Demo),
            })
        })
        .clone()
}

/// A worker's folders: a copy of each project an input is written into (and restored after),
/// a folder for a directory file alone, and scratch space outside them for the binary's output.
struct Workspace {
    root: tempfile::TempDir,
}

impl Workspace {
    fn new(fx: &Fixtures) -> Workspace {
        let root = tempfile::tempdir().expect("temporary folder");
        for f in [&fx.shipped, &fx.demo] {
            write_project(&root.path().join(f.context.name()), f.context, &f.files);
        }
        std::fs::create_dir_all(root.path().join("solo")).unwrap();
        std::fs::create_dir_all(root.path().join("scratch")).unwrap();
        Workspace { root }
    }

    fn project(&self, context: Context) -> PathBuf {
        self.root.path().join(context.name())
    }
}

// ---------------------------------------------------------------------------------------------
// Running one input.

/// What one input did, for the summary.
#[derive(Default)]
struct Outcome {
    loaded: bool,
    letters: usize,
    full_check: bool,
    binary: bool,
    /// A letter that failed to render although its campaign and directory loaded clean.
    render_error: Option<String>,
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap()
}

/// The lines of `bytes` as the loaders count them: LF, CRLF and a lone CR each end a line.
fn line_count(bytes: &[u8]) -> u64 {
    let mut n = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => n += 1,
            b'\r' => {
                n += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    n
}

/// Every error names a file and a line inside it. The exception is an error about reading the
/// file or folder at all (no line to point at); fuzzed files are always readable, so it should
/// not appear.
fn check_diag(d: &Diagnostic, mutated: &Path, lines: u64) -> Result<(), String> {
    if !d.is_error() {
        return Ok(());
    }
    if d.file.as_os_str().is_empty() {
        return Err(format!("error without a file: {d}"));
    }
    if d.pos.line == 0 && !d.message.starts_with("cannot read") {
        return Err(format!("error without a line: {d}"));
    }
    if d.file == mutated && d.pos.line > lines {
        return Err(format!("error past the last line ({lines}): {d}"));
    }
    Ok(())
}

fn check_diags<'a>(
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    mutated: &Path,
    lines: u64,
) -> Result<(), String> {
    diags
        .into_iter()
        .try_for_each(|d| check_diag(d, mutated, lines))
}

fn sample_supporter(country: Option<appeal::model::country::Country>) -> Supporter {
    SupporterInput {
        name: "Maria Muster".into(),
        address: vec!["Example Street 1".into()],
        postcode: "12345".into(),
        city: "Example City".into(),
        country: country.map(|c| c.code().to_string()).unwrap_or_default(),
        email: "maria@example.org".into(),
        ..SupporterInput::default()
    }
    .check()
    .expect("the sample supporter is valid")
}

/// Renders some of a loaded campaign's letters: with no country and up to two that addressees
/// depend on, in up to two languages, blank and signed (or signed by `supporters`, each in her
/// country and language). A render error must point into a file; the first is kept as a note.
fn render_some(
    rng: &mut Rng,
    campaign: &Campaign,
    directory: &Directory,
    templates: &Templates,
    supporters: Option<&[Supporter]>,
    out: &mut Outcome,
) -> Result<(), String> {
    let renderer = Renderer::new(templates, today()).with_parts();
    let mut jobs: Vec<(Option<Supporter>, Vec<Lang>)> = Vec::new();
    match supporters {
        Some(list) => {
            for s in list {
                let lang = s
                    .lang
                    .as_ref()
                    .and_then(|l| campaign.serve(l).cloned())
                    .or_else(|| campaign.languages.first().cloned());
                jobs.push((Some(s.clone()), lang.into_iter().collect()));
            }
        }
        None => {
            let mut hosts = BTreeSet::new();
            for entry in campaign.targets.iter().chain(&campaign.copies) {
                match &entry.who {
                    Addressee::Recipient(_) => {}
                    Addressee::EmbassyOf(c) => hosts.extend(directory.embassy_hosts(*c)),
                    Addressee::GovernmentRole(role) => hosts.extend(directory.role_countries(role)),
                }
            }
            let hosts: Vec<_> = hosts.into_iter().collect();
            let mut langs = Vec::new();
            for _ in 0..2 {
                if !campaign.languages.is_empty() {
                    langs.push(rng.pick(&campaign.languages).clone());
                }
            }
            langs.dedup();
            jobs.push((None, langs.clone()));
            for _ in 0..hosts.len().min(2) {
                let c = *rng.pick(&hosts);
                jobs.push((Some(sample_supporter(Some(c))), langs.clone()));
            }
        }
    }
    for (supporter, langs) in &jobs {
        let (planned, _) = plan(
            campaign,
            directory,
            supporter.as_ref().and_then(|s| s.country),
        );
        let targets: Vec<&Recipient> = planned
            .iter()
            .filter(|p| !p.copy)
            .map(|p| p.recipient)
            .collect();
        for p in &planned {
            for lang in langs {
                match renderer.render(campaign, p, &targets, lang, supporter.as_ref()) {
                    Ok(_) | Err(render::Error::MissingBlock { .. }) => out.letters += 1,
                    Err(e) => {
                        let d = Diagnostic::from(e);
                        check_diag(&d, Path::new(""), u64::MAX)?;
                        out.render_error.get_or_insert_with(|| d.to_string());
                    }
                }
            }
        }
    }
    Ok(())
}

/// Runs `input` in the workspace: its loader, the renderer when it loads, and what the input
/// asks for besides. The project is restored afterwards.
fn run_case(input: &Input, fx: &Fixtures, ws: &Workspace) -> Result<Outcome, String> {
    let fixture = fx.get(input.context);
    let project = ws.project(input.context);
    let path = project.join(&input.rel);
    std::fs::write(&path, &input.bytes).unwrap();
    let result = run_stages(input, fixture, ws, &path);
    std::fs::write(&path, fixture.pristine(&input.rel)).unwrap();
    let _ = std::fs::remove_dir_all(project.join("work"));
    for e in std::fs::read_dir(ws.root.path().join("solo"))
        .unwrap()
        .flatten()
    {
        let _ = std::fs::remove_file(e.path());
    }
    result
}

fn run_stages(
    input: &Input,
    fixture: &Fixture,
    ws: &Workspace,
    path: &Path,
) -> Result<Outcome, String> {
    let mut rng = Rng(input.seed ^ 0x5eed);
    let mut out = Outcome::default();
    let lines = line_count(&input.bytes);
    let project = ws.project(input.context);
    let mut check_with: Option<PathBuf> = None;
    match input.kind() {
        Kind::Campaign => {
            let mut diags = Diagnostics::default();
            let campaign = Campaign::load(path, &fixture.directory, &mut diags);
            check_diags(diags.iter(), path, lines)?;
            if let Some(c) = campaign {
                out.loaded = true;
                render_some(
                    &mut rng,
                    &c,
                    &fixture.directory,
                    &fixture.templates,
                    None,
                    &mut out,
                )?;
                check_with = Some(path.to_path_buf());
            }
        }
        Kind::Directory => {
            // Alone first: cheap, and every problem is this file's.
            let solo = ws.root.path().join("solo").join(path.file_name().unwrap());
            std::fs::write(&solo, &input.bytes).unwrap();
            let mut diags = Diagnostics::default();
            Directory::load(solo.parent().unwrap(), &mut diags);
            check_diags(diags.iter(), &solo, lines)?;
            out.loaded = !diags.has_errors();
            if out.loaded && input.deep {
                let mut diags = Diagnostics::default();
                let directory = Directory::load(&project.join("recipients"), &mut diags);
                check_diags(diags.iter(), path, lines)?;
                let rel = rng.pick(&fixture.campaign_files).clone();
                let campaign_path = project.join(&rel);
                let campaign = Campaign::load(&campaign_path, &directory, &mut diags);
                check_diags(diags.iter(), path, lines)?;
                if let Some(c) = campaign.filter(|_| !diags.has_errors()) {
                    render_some(&mut rng, &c, &directory, &fixture.templates, None, &mut out)?;
                    check_with = Some(campaign_path);
                }
            }
        }
        Kind::Supporters => {
            let initials = rng.one_in(4);
            let mut good = Vec::new();
            match SupportersFile::open(path, initials) {
                Err(e) => check_open_error(&e.to_string(), path, lines)?,
                Ok(file) => {
                    for row in file {
                        match row {
                            Ok(row) if good.len() < 4 => good.push(row.supporter),
                            Ok(_) => {}
                            Err(e) => {
                                let text = e.to_string();
                                if e.file != path || e.line == 0 || e.line > lines {
                                    return Err(format!(
                                        "row error without its place in the file ({lines} lines): {text}"
                                    ));
                                }
                            }
                        }
                    }
                    out.loaded = true;
                }
            }
            let campaign = &fixture.campaigns[&fixture.supporters_campaign];
            render_some(
                &mut rng,
                campaign,
                &fixture.directory,
                &fixture.templates,
                Some(&good),
                &mut out,
            )?;
        }
    }
    if input.full_check
        && let Some(campaign) = check_with
    {
        let located = Project::locate(&campaign, None, None)
            .map_err(|e| format!("cannot locate the project of {}: {e}", campaign.display()))?;
        let checked = check_campaign(&campaign, &located, today());
        check_diags(checked.diags.iter(), path, lines)?;
        out.full_check = true;
    }
    if input.binary {
        run_binary(input, fixture, ws)?;
        out.binary = true;
    }
    Ok(out)
}

/// The errors of opening a supporters file: `file:line: ...`, with the line inside the file.
fn check_open_error(e: &str, path: &Path, lines: u64) -> Result<(), String> {
    let shown = path.display().to_string();
    let Some(rest) = e.strip_prefix(&shown) else {
        return Err(format!("supporters file error without the file: {e}"));
    };
    if rest.starts_with(": cannot open") || rest.starts_with(": cannot read") {
        return Ok(());
    }
    let line: Option<u64> = rest
        .strip_prefix(':')
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok());
    match line {
        Some(n) if n > 0 && n <= lines => Ok(()),
        Some(n) => Err(format!(
            "supporters file error past the last line ({lines}), line {n}: {e}"
        )),
        None => Err(format!("supporters file error without a line: {e}")),
    }
}

/// Every file and folder under `root` with its size and time, but those under `skip`.
fn snapshot(root: &Path, skip: &[PathBuf]) -> Snapshot {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if skip.contains(&p) {
                continue;
            }
            let Ok(meta) = p.symlink_metadata() else {
                continue;
            };
            // A folder counts by being there: its time changes with what is made inside it.
            if meta.is_dir() {
                out.insert(p.clone(), (0, None));
                stack.push(p);
            } else {
                out.insert(p, (meta.len(), meta.modified().ok()));
            }
        }
    }
    out
}

type Snapshot = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

/// What was made, changed or removed between two snapshots, but in `out` (or on the way to it).
fn changed_outside(before: &Snapshot, after: &Snapshot, out: &Path) -> Vec<String> {
    let made_or_changed = after
        .iter()
        .filter(|(p, m)| before.get(*p) != Some(m))
        .map(|(p, _)| p);
    let removed = before.keys().filter(|p| !after.contains_key(*p));
    made_or_changed
        .chain(removed)
        .filter(|p| !p.starts_with(out) && !out.starts_with(p))
        .map(|p| p.display().to_string())
        .collect()
}

/// `appeal check` and `appeal letters` on the project with the input in place: never a panic
/// or a signal, never a hang, nothing written but under the output folder.
fn run_binary(input: &Input, fixture: &Fixture, ws: &Workspace) -> Result<(), String> {
    let project = ws.project(input.context);
    let campaign = match input.kind() {
        Kind::Campaign => input.rel.clone(),
        Kind::Directory => fixture.campaign_files[0].clone(),
        Kind::Supporters => fixture.supporters_campaign.clone(),
    };
    let scratch = ws.root.path().join("scratch");
    let out_dir = project.join("work").join("out");
    let skip = [scratch.clone(), out_dir.clone()];
    let before = snapshot(ws.root.path(), &skip);
    let runs: [&[&str]; 2] = [
        &["check", &campaign, "--date", "2026-02-01"],
        &[
            "letters",
            &campaign,
            "--supporters",
            "supporters.csv",
            "--out",
            "work/out",
            "--date",
            "2026-02-01",
            "--jobs",
            "1",
        ],
    ];
    for args in runs {
        let stderr_path = scratch.join("stderr");
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(&project)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(scratch.join("stdout")).unwrap())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .map_err(|e| format!("cannot run {BIN}: {e}"))?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > BUDGET {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`appeal {}` ran longer than {BUDGET:?}",
                    args.join(" ")
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        let code = status.code();
        if code.is_none_or(|c| !(0..=2).contains(&c)) || stderr.contains("panicked") {
            return Err(format!(
                "`appeal {}` exited with {status}:\n{}",
                args.join(" "),
                stderr.lines().take(10).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    let after = snapshot(ws.root.path(), &skip);
    let changed = changed_outside(&before, &after, &out_dir);
    if !changed.is_empty() {
        return Err(format!(
            "the binary wrote outside its output folder: {changed:?}"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running many, in worker threads with a time budget per input.

thread_local! {
    /// The last panic of this thread, with where it happened (the payload alone lacks it).
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

const CASE_THREAD: &str = "fuzz-case";

/// Keeps the panics of fuzzed inputs off the terminal (a known one may recur hundreds of times)
/// and records where they happened; every other thread's panics go to the hook as before.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(CASE_THREAD) {
                return previous(info);
            }
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            PANIC.with(|p| *p.borrow_mut() = Some(format!("panicked at {at}: {msg}")));
        }));
    });
}

/// Runs `input` on a thread of its own, so a panic is caught and a hang is noticed.
fn run_guarded(
    input: Arc<Input>,
    fx: &Arc<Fixtures>,
    ws: &Arc<Workspace>,
) -> (Result<Outcome, String>, Duration, bool) {
    let (tx, rx) = mpsc::channel();
    let (fx2, ws2, input2) = (fx.clone(), ws.clone(), input.clone());
    let started = Instant::now();
    std::thread::Builder::new()
        .name(CASE_THREAD.into())
        .stack_size(STACK)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| run_case(&input2, &fx2, &ws2)));
            let result = result.unwrap_or_else(|_| {
                Err(PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| "panicked".into()))
            });
            let _ = tx.send(result);
        })
        .expect("spawn a case thread");
    match rx.recv_timeout(BUDGET) {
        Ok(result) => (result, started.elapsed(), false),
        Err(_) => (
            Err(format!("no result after {BUDGET:?} (a hang)")),
            started.elapsed(),
            true,
        ),
    }
}

/// One known failure: a regression case not fixed yet, and what its failure says.
struct Known {
    name: String,
    signature: String,
    reason: String,
}

fn fuzz_dir() -> PathBuf {
    repo().join("tests").join("fuzz")
}

/// `tests/fuzz/known.txt`: `name | signature | reason` per line, `#` comments.
fn known() -> Vec<Known> {
    let text = std::fs::read_to_string(fuzz_dir().join("known.txt")).unwrap_or_default();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
        assert!(
            parts.len() == 3 && parts.iter().all(|p| !p.is_empty()),
            "tests/fuzz/known.txt:{}: write `name | signature | reason`, all three given",
            i + 1
        );
        out.push(Known {
            name: parts[0].into(),
            signature: parts[1].into(),
            reason: parts[2].into(),
        });
    }
    out
}

/// A failure's text with the temporary folders taken out, so it reads the same on every run.
fn tidy(text: &str, ws: &Workspace) -> String {
    let root = ws.root.path().display().to_string();
    text.replace(&format!("{root}/"), "").replace(&root, "")
}

/// Saves a failing input where the failure message says, laid out as a regression case.
fn save_failure(input: &Input) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-failures")
        .join(format!("{:016x}", input.seed));
    let path = dir.join(input.context.name()).join(&input.rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &input.bytes).unwrap();
    std::fs::write(dir.join("mutations.txt"), input.describe() + "\n").unwrap();
    path
}

struct Failure {
    describe: String,
    what: String,
    saved: PathBuf,
}

#[derive(Default)]
struct Report {
    inputs: usize,
    by_kind: BTreeMap<String, usize>,
    loaded: usize,
    letters: usize,
    full_checks: usize,
    binary_runs: usize,
    render_errors: Vec<String>,
    slowest: Vec<(Duration, String)>,
    failures: Vec<Failure>,
    known: BTreeMap<String, usize>,
}

impl Report {
    fn add(
        &mut self,
        input: &Input,
        result: Result<Outcome, String>,
        took: Duration,
        ws: &Workspace,
        known: &[Known],
    ) {
        self.inputs += 1;
        *self
            .by_kind
            .entry(format!("{:?} ({})", input.kind(), input.context.name()))
            .or_default() += 1;
        self.slowest.push((took, input.describe()));
        self.slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        self.slowest.truncate(5);
        match result {
            Ok(o) => {
                self.loaded += usize::from(o.loaded);
                self.letters += o.letters;
                self.full_checks += usize::from(o.full_check);
                self.binary_runs += usize::from(o.binary);
                if let Some(e) = o.render_error
                    && self.render_errors.len() < 5
                {
                    self.render_errors
                        .push(format!("{}\n    {}", input.describe(), tidy(&e, ws)));
                }
            }
            Err(what) => {
                let what = tidy(&what, ws);
                if let Some(k) = known.iter().find(|k| what.contains(&k.signature)) {
                    *self.known.entry(k.name.clone()).or_default() += 1;
                    return;
                }
                self.failures.push(Failure {
                    describe: input.describe(),
                    what,
                    saved: save_failure(input),
                });
            }
        }
    }

    fn print(&self, took: Duration) {
        println!(
            "fuzz: {} inputs in {:.1}s ({:?}); {} loaded clean, {} letters rendered, {} full checks, {} binary runs",
            self.inputs,
            took.as_secs_f64(),
            self.by_kind,
            self.loaded,
            self.letters,
            self.full_checks,
            self.binary_runs
        );
        println!("fuzz: slowest inputs:");
        for (d, what) in &self.slowest {
            println!("  {:>7.1} ms  {what}", d.as_secs_f64() * 1e3);
        }
        for (name, n) in &self.known {
            println!("fuzz: {n} input(s) failed as the known `{name}`");
        }
        if !self.render_errors.is_empty() {
            println!("fuzz: letters that failed to render after a clean load (not failures):");
            for e in &self.render_errors {
                println!("  {e}");
            }
        }
    }

    fn assert_clean(&self) {
        if self.failures.is_empty() {
            return;
        }
        let mut text = format!("{} fuzzed input(s) failed:\n", self.failures.len());
        let mut seen = BTreeSet::new();
        for f in &self.failures {
            // One example per distinct failure (its first line, digits aside).
            let key: String = f
                .what
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect();
            if !seen.insert(key) {
                continue;
            }
            text.push_str(&format!(
                "\n{}\n  input: {}\n  {}\n  replay: APPEAL_FUZZ_CASE={} cargo test --test integration fuzz -- --nocapture\n",
                f.describe,
                f.saved.display(),
                f.what.replace('\n', "\n  "),
                f.describe.split(':').next().unwrap_or_default().trim_start_matches("seed ")
            ));
        }
        text.push_str(
            "\nkeep each as a regression case (copy its folder under target/tmp/fuzz-failures to tests/fuzz/regressions/<name>/) and fix it, or list it in tests/fuzz/known.txt with the reason",
        );
        panic!("{text}");
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    if v == "random" {
        return Some(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64,
        );
    }
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v}: not a number")))
}

/// Runs the inputs on `workers` threads; each worker runs its inputs one by one, each on a
/// thread of its own, and starts a fresh workspace after a hang (the hung thread still holds
/// the old one).
fn run_all(inputs: Vec<(u64, bool)>, workers: usize, known: &[Known]) -> Report {
    install_panic_hook();
    println!(
        "fuzz: each worker notes its current input in {}/fuzz-running-<n>.txt, for when the process dies",
        env!("CARGO_TARGET_TMPDIR")
    );
    let fx = fixtures();
    let queue = Arc::new(std::sync::Mutex::new(inputs.into_iter()));
    let reports: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (fx, queue) = (fx.clone(), queue.clone());
                s.spawn(move || {
                    // Where this worker notes the input it runs: the one to replay if the whole
                    // process dies (a stack overflow cannot be caught).
                    let note = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                        .join(format!("fuzz-running-{w}.txt"));
                    let mut report = Report::default();
                    let mut ws = Arc::new(Workspace::new(&fx));
                    loop {
                        let next = queue.lock().unwrap().next();
                        let Some((seed, binary)) = next else {
                            break;
                        };
                        let input = Arc::new(generate(seed, &fx, binary));
                        let _ = std::fs::write(&note, input.describe());
                        let (result, took, hung) = run_guarded(input.clone(), &fx, &ws);
                        report.add(&input, result, took, &ws, known);
                        if hung {
                            ws = Arc::new(Workspace::new(&fx));
                        }
                    }
                    report
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all = Report::default();
    for r in reports {
        all.inputs += r.inputs;
        for (k, n) in r.by_kind {
            *all.by_kind.entry(k).or_default() += n;
        }
        all.loaded += r.loaded;
        all.letters += r.letters;
        all.full_checks += r.full_checks;
        all.binary_runs += r.binary_runs;
        all.render_errors.extend(r.render_errors);
        all.slowest.extend(r.slowest);
        all.failures.extend(r.failures);
        for (k, n) in r.known {
            *all.known.entry(k).or_default() += n;
        }
    }
    all.slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    all.slowest.truncate(5);
    all.render_errors.truncate(5);
    all
}

#[test]
fn mutated_inputs_never_panic_hang_or_lose_their_place() {
    let started = Instant::now();
    let known = known();
    let inputs: Vec<(u64, bool)> = match env_u64("APPEAL_FUZZ_CASE") {
        Some(seed) => {
            println!("{}", generate(seed, &fixtures(), true).describe());
            vec![(seed, true)]
        }
        None => {
            let cases = env_u64("APPEAL_FUZZ_CASES").unwrap_or(DEFAULT_CASES);
            let base = env_u64("APPEAL_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
            let binary = env_u64("APPEAL_FUZZ_BINARY").unwrap_or(DEFAULT_BINARY_RUNS);
            println!("fuzz: {cases} inputs from base seed {base:#018x}");
            let stride = (cases / binary.max(1)).max(1);
            (0..cases)
                .map(|i| (case_seed(base, i), binary > 0 && i % stride == stride / 2))
                .collect()
        }
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let report = run_all(inputs, workers, &known);
    report.print(started.elapsed());
    report.assert_clean();
}

#[test]
fn the_write_check_notices_a_file_outside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("work").join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(dir.path().join("kept.txt"), "x").unwrap();
    std::fs::write(dir.path().join("removed.txt"), "x").unwrap();
    let before = snapshot(dir.path(), &[]);
    std::fs::create_dir_all(out.join("eva")).unwrap();
    std::fs::write(out.join("eva").join("letter.txt"), "x").unwrap();
    std::fs::write(dir.path().join("work").join("stray.txt"), "x").unwrap();
    std::fs::remove_file(dir.path().join("removed.txt")).unwrap();
    let after = snapshot(dir.path(), &[]);
    let changed = changed_outside(&before, &after, &out);
    let names: Vec<&str> = changed
        .iter()
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["stray.txt", "removed.txt"]);
}

/// The regression cases: `tests/fuzz/regressions/<name>/<context>/<file>`, each an input the
/// fuzzer once failed on, run through every stage and the binary. A case listed in
/// `known.txt` is skipped.
#[test]
fn regression_cases_stay_fixed() {
    install_panic_hook();
    let known = known();
    let dir = fuzz_dir().join("regressions");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for k in &known {
        assert!(
            names.contains(&k.name),
            "tests/fuzz/known.txt lists `{}`, which has no folder in tests/fuzz/regressions/",
            k.name
        );
    }
    let fx = fixtures();
    let mut failures = Vec::new();
    for name in &names {
        if let Some(k) = known.iter().find(|k| &k.name == name) {
            println!("skipped known `{name}`: {}", k.reason);
            continue;
        }
        for input in regression_inputs(&dir.join(name), name) {
            let ws = Arc::new(Workspace::new(&fx));
            let input = Arc::new(input);
            let (result, _, _) = run_guarded(input.clone(), &fx, &ws);
            if let Err(what) = result {
                failures.push(format!("{}: {}", input.describe(), tidy(&what, &ws)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The inputs of one regression case: every file under its `shipped/` or `demo/` folder.
fn regression_inputs(case: &Path, name: &str) -> Vec<Input> {
    let mut out = Vec::new();
    for context in [Context::Shipped, Context::Demo] {
        let base = case.join(context.name());
        let mut stack = vec![base.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let rel = p
                    .strip_prefix(&base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                assert!(
                    fixtures().get(context).files.contains_key(&rel),
                    "{}: names no file of the {} project",
                    p.display(),
                    context.name()
                );
                out.push(Input {
                    seed: 0,
                    context,
                    rel,
                    bytes: std::fs::read(&p).unwrap(),
                    mutations: vec![format!("regression case `{name}`")],
                    full_check: true,
                    deep: true,
                    binary: true,
                });
            }
        }
    }
    assert!(
        !out.is_empty(),
        "{}: no input under shipped/ or demo/",
        case.display()
    );
    out
}
