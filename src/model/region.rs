//! Continents, from CLDR's territory containment (the UN M.49 regions; `data/cldr/`), and how
//! long a posted letter takes between two countries as a rule of thumb.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::model::country::Country;

/// The five continents of UN M.49 (CLDR's regions 002, 019, 142, 150, 009).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Continent {
    Africa,
    Americas,
    Asia,
    Europe,
    Oceania,
}

impl Continent {
    pub fn name(self) -> &'static str {
        match self {
            Continent::Africa => "Africa",
            Continent::Americas => "the Americas",
            Continent::Asia => "Asia",
            Continent::Europe => "Europe",
            Continent::Oceania => "Oceania",
        }
    }

    const CODES: [(&'static str, Continent); 5] = [
        ("002", Continent::Africa),
        ("019", Continent::Americas),
        ("142", Continent::Asia),
        ("150", Continent::Europe),
        ("009", Continent::Oceania),
    ];
}

const CONTAINMENT: &str = include_str!("../../data/cldr/territoryContainment.json");

#[derive(serde::Deserialize)]
struct Cldr {
    supplemental: Supplemental,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Supplemental {
    territory_containment: HashMap<String, Contains>,
}

#[derive(serde::Deserialize)]
struct Contains {
    #[serde(rename = "_contains")]
    contains: Vec<String>,
    /// "true" for groupings that overlap the tree (EU, UN, Latin America).
    #[serde(rename = "_grouping", default)]
    grouping: Option<String>,
}

/// Every country of the data with its continent, read once. Keys with a status suffix
/// (`150-status-deprecated`) and groupings are not part of the tree and are passed over.
fn continents() -> &'static HashMap<String, Continent> {
    static MAP: OnceLock<HashMap<String, Continent>> = OnceLock::new();
    MAP.get_or_init(|| {
        // Shipped in the binary and checked by a test: it parses, or no continent is known.
        let Ok(cldr) = serde_json::from_str::<Cldr>(CONTAINMENT) else {
            return HashMap::new();
        };
        let tree = cldr.supplemental.territory_containment;
        let mut map = HashMap::new();
        for (code, continent) in Continent::CODES {
            let mut todo = vec![code.to_string()];
            while let Some(region) = todo.pop() {
                let Some(node) = tree.get(&region).filter(|n| n.grouping.is_none()) else {
                    continue;
                };
                for child in &node.contains {
                    if child.len() == 2 && child.bytes().all(|b| b.is_ascii_uppercase()) {
                        map.insert(child.clone(), continent);
                    } else {
                        todo.push(child.clone());
                    }
                }
            }
        }
        map
    })
}

/// The continent of `country`; `None` for Antarctica and other territories outside the five.
pub fn continent(country: Country) -> Option<Continent> {
    continents().get(country.code()).copied()
}

/// How long a posted letter takes, as urgent-action sections tell supporters: a rule of thumb,
/// not a postal service's promise. `from` is where it is posted, when known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostTime {
    /// Days to allow.
    pub days: i64,
    /// What the figure is, in words ("airmail to Egypt from Europe: two weeks or more").
    pub rule: &'static str,
}

/// The rule of thumb for a letter posted in `from` (unknown: anywhere) to `to`: 3 days within
/// a country, a week within Europe, 10 days within another continent, two weeks or more between
/// continents. Without `from`, the slower case: a letter may come from another continent.
pub fn post_time(from: Option<Country>, to: Country) -> PostTime {
    let (a, b) = (from.and_then(continent), continent(to));
    match (from, a, b) {
        (Some(f), _, _) if f == to => PostTime {
            days: 3,
            rule: "post within the country: 2-3 days",
        },
        (Some(_), Some(Continent::Europe), Some(Continent::Europe)) => PostTime {
            days: 7,
            rule: "airmail within Europe: about a week",
        },
        (Some(_), Some(x), Some(y)) if x == y => PostTime {
            days: 10,
            rule: "airmail within the same continent: about 10 days",
        },
        (Some(_), _, _) => PostTime {
            days: 14,
            rule: "airmail between continents: two weeks or more",
        },
        (None, _, _) => PostTime {
            days: 14,
            rule: "airmail: a week within Europe, two weeks or more between continents (say where you post from with --from)",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    #[test]
    fn knows_the_continent_of_every_country_it_has() {
        for (code, want) in [
            ("DE", Continent::Europe),
            ("RU", Continent::Europe),
            ("EG", Continent::Africa),
            ("US", Continent::Americas),
            ("BR", Continent::Americas),
            ("CN", Continent::Asia),
            ("TR", Continent::Asia),
            ("NZ", Continent::Oceania),
        ] {
            assert_eq!(continent(c(code)), Some(want), "{code}");
        }
        assert_eq!(
            continent(c("AQ")),
            None,
            "Antarctica is in none of the five"
        );
        // Every inhabited ISO country the data lists (249 codes less a few territories).
        assert!(continents().len() > 240, "{}", continents().len());
    }

    #[test]
    fn a_letter_takes_longer_the_farther_it_goes() {
        assert_eq!(post_time(Some(c("DE")), c("DE")).days, 3);
        assert_eq!(post_time(Some(c("DE")), c("RU")).days, 7);
        assert_eq!(post_time(Some(c("KE")), c("EG")).days, 10);
        assert_eq!(post_time(Some(c("DE")), c("EG")).days, 14);
        assert_eq!(post_time(None, c("RU")).days, 14);
    }
}
