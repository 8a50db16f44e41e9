//! Postal addresses as each country's post writes them: the order of the lines, where the
//! postcode goes, what is in capitals, what is required, the names of regions, and the country
//! line. The rules are Google's address metadata (the data behind libaddressinput), vendored in
//! `data/address/` (see docs/data-sources.md) and parsed once.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::model::country::Country;

/// Country-level records of the metadata, pruned to the fields read here (`data/address/prune.py`).
const DATA: &str = include_str!("../../data/address/countries.json");

/// One record as the metadata writes it: `fmt` is `%A%n%Z %C` and the like, lists are `~`-separated.
#[derive(Deserialize, Default)]
struct RawRules {
    fmt: Option<String>,
    lfmt: Option<String>,
    require: Option<String>,
    upper: Option<String>,
    name: Option<String>,
    zipex: Option<String>,
    state_name_type: Option<String>,
    sub_keys: Option<String>,
    sub_names: Option<String>,
    sub_lnames: Option<String>,
    sub_isoids: Option<String>,
}

/// A part of an address that a country's rules place, require or capitalise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Street,
    City,
    Region,
    Postcode,
}

impl Field {
    /// The letter the metadata's `fmt`, `require` and `upper` use for it.
    fn letter(self) -> char {
        match self {
            Field::Street => 'A',
            Field::City => 'C',
            Field::Region => 'S',
            Field::Postcode => 'Z',
        }
    }

    /// The supporter's field (CSV column, flag) that holds it.
    pub fn column(self) -> &'static str {
        match self {
            Field::Street => "address",
            Field::City => "city",
            Field::Region => "region",
            Field::Postcode => "postcode",
        }
    }
}

/// A state, province, oblast ... of a country's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// What the post expects on the envelope: `IL`, `Москва`, `القاهرة`.
    pub key: String,
    /// The full name in the country's language: `Illinois`.
    pub name: String,
    /// The name in Latin script, where the key is in another (`Moskva`, `Cairo Governorate`).
    pub latin: Option<String>,
    /// The ISO 3166-2 subdivision code without the country (`IL`, `MOW`), where there is one.
    pub iso: Option<String>,
}

/// How one country writes addresses.
#[derive(Debug)]
pub struct Rules {
    fmt: String,
    /// The order for addresses written in Latin script, where it differs from `fmt` (CN, JP, KR).
    lfmt: Option<String>,
    require: String,
    upper: String,
    /// The country's English name in capitals, as written on international mail ("GERMANY").
    name: Option<String>,
    zipex: Option<String>,
    region_kind: String,
    regions: Vec<Region>,
    /// Each region's names (`Region::names`) folded (`fold`), made on first use: every row of
    /// a supporters file is looked up in them, and folding a country's few hundred names again
    /// for each row cost more than the rest of reading it.
    folded: std::sync::OnceLock<Vec<Vec<String>>>,
}

struct Table {
    by_code: HashMap<String, Rules>,
    /// The metadata's `ZZ` record, for countries it has no rules for.
    fallback: Rules,
}

static TABLE: LazyLock<Table> = LazyLock::new(load);

/// Parses the vendored metadata once. A country's missing fields come from `ZZ`, as in
/// libaddressinput, except `upper`: `ZZ`'s "C" would put every city in capitals, where
/// Germany's DIN 5008 or Norway's post no longer ask for them; capitals are kept for the
/// countries whose own record asks (US, GB, FR, RU, IT, ES, CA ...). The file is part of the build and a test parses it, so a failure here can
/// only be a broken checkout: it leaves every country on the built-in fallback, never a panic.
fn load() -> Table {
    let mut raw: HashMap<String, RawRules> = serde_json::from_str(DATA).unwrap_or_default();
    let zz = raw.remove("ZZ").unwrap_or_default();
    let field = |own: &Option<String>, default: &Option<String>, builtin: &str| {
        own.clone()
            .or_else(|| default.clone())
            .unwrap_or_else(|| builtin.to_string())
    };
    let rules = |r: &RawRules| Rules {
        fmt: field(&r.fmt, &zz.fmt, "%N%n%O%n%A%n%C"),
        lfmt: r.lfmt.clone(),
        require: field(&r.require, &zz.require, "AC"),
        upper: r.upper.clone().unwrap_or_default(),
        name: r.name.clone(),
        zipex: r.zipex.clone(),
        region_kind: field(&r.state_name_type, &zz.state_name_type, "province"),
        regions: regions(r),
        folded: std::sync::OnceLock::new(),
    };
    Table {
        by_code: raw
            .iter()
            .map(|(code, r)| (code.clone(), rules(r)))
            .collect(),
        fallback: rules(&RawRules::default()),
    }
}

/// The regions of a record, from its parallel `~`-separated lists.
fn regions(r: &RawRules) -> Vec<Region> {
    let list = |s: &Option<String>| -> Vec<String> {
        s.as_deref()
            .map(|s| s.split('~').map(str::to_string).collect())
            .unwrap_or_default()
    };
    let (names, latin, iso) = (list(&r.sub_names), list(&r.sub_lnames), list(&r.sub_isoids));
    let nonempty = |v: Option<&String>| v.filter(|s| !s.is_empty()).cloned();
    list(&r.sub_keys)
        .into_iter()
        .enumerate()
        .map(|(i, key)| Region {
            name: nonempty(names.get(i)).unwrap_or_else(|| key.clone()),
            latin: nonempty(latin.get(i)),
            iso: nonempty(iso.get(i)),
            key,
        })
        .collect()
}

/// The rules of `country`, or the metadata's defaults for a country it does not describe.
pub fn rules(country: Country) -> &'static Rules {
    let table = &*TABLE;
    table.by_code.get(country.code()).unwrap_or(&table.fallback)
}

/// An address in parts, as a supporter gives it or a directory entry holds it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Parts<'a> {
    /// Street lines (and an organisation or building above them), in order.
    pub street: &'a [String],
    pub city: &'a str,
    pub region: &'a str,
    pub postcode: &'a str,
}

impl Parts<'_> {
    fn get(&self, field: Field) -> String {
        match field {
            Field::Street => self.street.join("\n"),
            Field::City => self.city.to_string(),
            Field::Region => self.region.to_string(),
            Field::Postcode => self.postcode.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.street.is_empty()
            && self.city.is_empty()
            && self.region.is_empty()
            && self.postcode.is_empty()
    }

    /// Written in Latin script (letters only are looked at): picks `lfmt` and Latin region names.
    fn is_latin(&self) -> bool {
        self.street
            .iter()
            .map(String::as_str)
            .chain([self.city])
            .flat_map(str::chars)
            .filter(|c| c.is_alphabetic())
            .all(|c| c <= '\u{024F}' || ('\u{1E00}'..='\u{1EFF}').contains(&c))
    }
}

/// Why a region is not one of its country's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownRegion {
    /// "state", "province", "oblast" ...
    pub kind: String,
    /// A few of the country's regions nearest to what was given, as they may be written.
    pub suggestions: Vec<String>,
}

impl Rules {
    /// The country's name on international mail: English, in capitals ("RUSSIAN FEDERATION").
    pub fn country_line(&self, country: Country) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| country.english_name().to_uppercase())
    }

    pub fn requires(&self, field: Field) -> bool {
        self.require.contains(field.letter())
    }

    /// What the country calls its regions: "state", "province", "oblast", "prefecture" ...
    pub fn region_kind(&self) -> String {
        self.region_kind.replace('_', "/")
    }

    /// A region as a hint shows it: "AL (Alabama)"; none for a country without a list.
    pub fn region_example(&self) -> Option<String> {
        self.regions.first().map(Region::shown)
    }

    /// The code of the first region, as a supporter would write it ("AL"), for sample addresses.
    pub fn region_code_example(&self) -> Option<&str> {
        self.regions.first().map(|r| r.key.as_str())
    }

    /// Example postcodes, for hints ("95014").
    pub fn postcode_example(&self) -> Option<&str> {
        self.zipex.as_deref().and_then(|z| z.split(',').next())
    }

    /// The required parts that `parts` lacks; none for an address not given at all (a
    /// supporter may sign with her name alone).
    pub fn missing(&self, parts: &Parts) -> Vec<Field> {
        if parts.is_empty() {
            return Vec::new();
        }
        [Field::Street, Field::City, Field::Region, Field::Postcode]
            .into_iter()
            .filter(|f| self.requires(*f) && parts.get(*f).trim().is_empty())
            .filter(|f| *f != Field::Region || self.city_region(parts.city).is_none())
            .collect()
    }

    /// The region a city is by itself (Moscow, Saint Petersburg, Sevastopol in Russia): its key
    /// or Latin name is the city's name. Full names are not compared, so Washington (a city)
    /// is not taken for WA (the state).
    fn city_region(&self, city: &str) -> Option<&Region> {
        let city = fold(city);
        if city.is_empty() {
            return None;
        }
        let named = |name: &str| {
            let name = fold(name);
            name == city || name.starts_with(&format!("{city} "))
        };
        // "Cairo" is "Cairo Governorate" too, but never a full name ("Washington").
        self.regions
            .iter()
            .find(|r| fold(&r.key) == city || r.latin.as_deref().is_some_and(named))
    }

    /// The region `given` names: its key, full name, Latin name or ISO code, in any case; or
    /// the start of exactly one name ("Cairo" for "Cairo Governorate"). `Ok(None)` when the
    /// country has no list of regions: anything goes.
    pub fn region(&self, given: &str) -> Result<Option<&Region>, UnknownRegion> {
        let wanted = fold(given);
        if self.regions.is_empty() || wanted.is_empty() {
            return Ok(None);
        }
        let folded = self.folded.get_or_init(|| {
            self.regions
                .iter()
                .map(|r| r.names().iter().map(|n| fold(n)).collect())
                .collect()
        });
        let regions = || self.regions.iter().zip(folded);
        let exact = regions().find(|(_, names)| names.contains(&wanted));
        if let Some((r, _)) = exact {
            return Ok(Some(r));
        }
        let prefix = format!("{wanted} ");
        let starts: Vec<&Region> = regions()
            .filter(|(_, names)| names.iter().any(|n| n.starts_with(&prefix)))
            .map(|(r, _)| r)
            .collect();
        if let [one] = starts.as_slice() {
            return Ok(Some(one));
        }
        let mut near: Vec<(&Region, &Vec<String>)> = regions().collect();
        near.sort_by_key(|(_, names)| names.iter().map(|n| strsim::levenshtein(n, &wanted)).min());
        Err(UnknownRegion {
            kind: self.region_kind(),
            suggestions: near.iter().take(4).map(|(r, _)| r.shown()).collect(),
        })
    }

    /// The address's lines within its country, without the country line: the order of
    /// `fmt`, with the fields `upper` names in capitals.
    pub fn lines(&self, parts: &Parts) -> Vec<String> {
        let latin = parts.is_latin();
        let mut fmt = match (&self.lfmt, latin) {
            (Some(l), true) => l.clone(),
            _ => self.fmt.clone(),
        };
        // A city or postcode that was given is kept even where the metadata has no place for
        // it (Japan's formats have no city, the Japanese ward or city being written with the
        // street; the default record, used for 55 countries, no postcode): the city below the
        // street, or above it where the format goes from the region down to the street (Japan:
        // 〒100-8914 / 東京都 / 千代田区 / 永田町1-7-1); the postcode after the city.
        if !fmt.contains("%C") && !parts.city.is_empty() {
            let big_endian =
                matches!((fmt.find("%S"), fmt.find("%A")), (Some(s), Some(a)) if s < a);
            fmt = if big_endian {
                fmt.replacen("%A", "%C%n%A", 1)
            } else {
                fmt.replacen("%A", "%A%n%C", 1)
            };
        }
        if !fmt.contains("%Z") && !parts.postcode.is_empty() {
            fmt = if fmt.contains("%C") {
                fmt.replace("%C", "%C %Z")
            } else {
                format!("{fmt}%n%Z")
            };
        }
        let value = |letter: char| -> String {
            let field = match letter {
                'A' => Field::Street,
                'C' => Field::City,
                'S' => return self.region_shown(parts, latin),
                'Z' => Field::Postcode,
                // Name and organisation are the letter's own lines; the metadata's dependent
                // locality and sorting code have no field here.
                _ => return String::new(),
            };
            let text = parts.get(field);
            // Capitals are applied to the locality line only (city, region, postcode): what
            // sorting machines and the posts' guides ask for. The street stays as written.
            if field != Field::Street && self.upper.contains(letter) {
                text.to_uppercase()
            } else {
                text
            }
        };
        fill(&fmt, value)
    }

    /// A region as printed: the key of a known region (`IL`), its Latin name in an address
    /// written in Latin script, or the text as given.
    fn region_shown(&self, parts: &Parts, latin: bool) -> String {
        let given = parts.region;
        // A city that is a region by itself is not written twice ("Москва / Москва").
        if self.city_region(parts.city).is_some_and(|r| r.key == given)
            || given.eq_ignore_ascii_case(parts.city)
        {
            return String::new();
        }
        let shown = match self.regions.iter().find(|r| r.key == given) {
            Some(r) if latin && !is_latin_text(&r.key) => r.latin.clone().unwrap_or(r.key.clone()),
            Some(r) => r.key.clone(),
            None => given.to_string(),
        };
        if self.upper.contains('S') {
            shown.to_uppercase()
        } else {
            shown
        }
    }
}

impl Region {
    fn names(&self) -> Vec<String> {
        let mut names = vec![self.key.clone(), self.name.clone()];
        names.extend(self.latin.clone());
        names.extend(self.iso.clone());
        names
    }

    /// How a hint shows it: "IL (Illinois)", "Москва (Moskva)".
    fn shown(&self) -> String {
        let other = self.latin.as_ref().unwrap_or(&self.name);
        if other == &self.key {
            self.key.clone()
        } else {
            format!("{} ({other})", self.key)
        }
    }
}

/// A name as compared: trimmed, lowercase, without accents ("Québec" is "quebec"), so a
/// supporter's spelling meets the metadata's.
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.trim()
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

fn is_latin_text(text: &str) -> bool {
    Parts {
        city: text,
        ..Parts::default()
    }
    .is_latin()
}

/// Fills a metadata format (`%A%n%C, %S %Z`) with `value` per field letter. As in
/// libaddressinput, text between fields belongs to them: it is dropped with an empty field, so
/// a missing state leaves "Springfield 62701", not "Springfield,  62701". Empty lines go.
fn fill(fmt: &str, value: impl Fn(char) -> String) -> Vec<String> {
    let mut lines = Vec::new();
    for line in fmt.split("%n") {
        let mut out = String::new();
        let mut pending = String::new();
        let (mut any, mut last_filled, mut first_field) = (false, false, true);
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                pending.push(c);
                continue;
            }
            let Some(letter) = chars.next() else { break };
            let v = value(letter);
            let v = v.trim();
            if v.is_empty() {
                pending.clear();
                last_filled = false;
            } else {
                // A prefix before the line's first field ("〒" in Japan) is kept with it.
                if any || first_field {
                    out.push_str(&pending);
                }
                pending.clear();
                out.push_str(v);
                any = true;
                last_filled = true;
            }
            first_field = false;
        }
        if last_filled {
            out.push_str(&pending);
        }
        lines.extend(
            out.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    lines
}

/// An address block as posted from `posted_in`: the lines by its country's rules, then the
/// country line in capitals, which domestic mail goes without. An address of no known country
/// keeps the order "street, postcode city, region" and has no country line.
pub fn block(parts: &Parts, country: Option<Country>, posted_in: Option<Country>) -> Vec<String> {
    let Some(country) = country else {
        let town = [parts.postcode, parts.city]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        return parts
            .street
            .iter()
            .cloned()
            .chain([town, parts.region.to_string()])
            .filter(|l| !l.is_empty())
            .collect();
    };
    let rules = rules(country);
    let mut lines = rules.lines(parts);
    lines.extend(country_line(country, posted_in));
    lines
}

/// The country line of an address in `country` posted from `posted_in`: none for domestic
/// mail; else the English name in capitals, as UPU rules allow on international mail (English
/// or French) and every post's outward office of exchange reads. An unknown posting country
/// keeps the line: a missing one loses a letter abroad, an extra one at home does not.
pub fn country_line(country: Country, posted_in: Option<Country>) -> Option<String> {
    if posted_in == Some(country) {
        return None;
    }
    Some(rules(country).country_line(country))
}

/// Whether `line` is a country line naming `country`: its English name ("France", "USA"), its
/// name in the metadata ("UNITED STATES") or its code, in any case.
pub fn names_country(line: &str, country: Country) -> bool {
    let line = line.trim().trim_end_matches('.').to_lowercase();
    [
        country.english_name().to_lowercase(),
        rules(country).country_line(country).to_lowercase(),
        country.code().to_lowercase(),
    ]
    .contains(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    #[test]
    fn parses_the_vendored_metadata_for_every_country() {
        assert!(TABLE.by_code.len() > 240, "{}", TABLE.by_code.len());
        for (code, rules) in &TABLE.by_code {
            assert!(rules.fmt.contains("%A"), "{code}: {}", rules.fmt);
        }
        assert_eq!(rules(c("US")).regions.len(), 62);
    }

    #[test]
    fn keeps_a_city_the_format_has_no_place_for() {
        // Japan's Latin format (`%A, %S`) has no city: it goes below the street.
        let street = ["1-2-3 Shibuya".to_string()];
        let parts = Parts {
            street: &street,
            city: "Shibuya-ku",
            region: "東京都",
            postcode: "150-0002",
        };
        assert_eq!(
            rules(c("JP")).lines(&parts),
            ["1-2-3 Shibuya", "Shibuya-ku, TOKYO", "150-0002"]
        );
        // The Japanese format goes from the prefecture down: the city comes before the street.
        let street = ["永田町1-7-1".to_string()];
        let parts = Parts {
            street: &street,
            city: "千代田区",
            region: "東京都",
            postcode: "100-8914",
        };
        assert_eq!(
            rules(c("JP")).lines(&parts),
            ["〒100-8914", "東京都", "千代田区", "永田町1-7-1"]
        );
    }

    #[test]
    fn drops_the_text_that_belongs_to_an_empty_field() {
        let value = |l: char| match l {
            'C' => "Springfield".to_string(),
            'Z' => "62701".to_string(),
            _ => String::new(),
        };
        assert_eq!(fill("%N%n%O%n%C, %S %Z", value), ["Springfield 62701"]);
        let zip = |l: char| {
            if l == 'Z' {
                "154-0023".into()
            } else {
                String::new()
            }
        };
        assert_eq!(fill("〒%Z%n%S", zip), ["〒154-0023"]);
    }

    #[test]
    fn finds_regions_by_code_name_or_the_start_of_a_name() {
        let us = rules(c("US"));
        assert_eq!(us.region("il").unwrap().unwrap().key, "IL");
        assert_eq!(us.region("Illinois").unwrap().unwrap().key, "IL");
        let eg = rules(c("EG"));
        assert_eq!(eg.region("Cairo").unwrap().unwrap().key, "القاهرة");
        let e = us.region("Ilinois").unwrap_err();
        assert_eq!(e.kind, "state");
        assert!(
            e.suggestions.contains(&"IL (Illinois)".to_string()),
            "{e:?}"
        );
        assert_eq!(rules(c("DE")).region("Berlin"), Ok(None));
        let ca = rules(c("CA"));
        assert_eq!(ca.region("Québec").unwrap().unwrap().key, "QC");
    }
}
