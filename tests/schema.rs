//! `appeal schema`: the JSON Schemas generated from the loader's types, checked by an independent
//! validator (the `boon` crate) against every shipped campaign and directory file, and against
//! files with mistakes the loader refuses.

use std::path::Path;

use crate::harness::{DEMO_CAMPAIGN, Test, repo};

/// The schema `appeal schema KIND` prints, compiled by boon.
fn compiled(kind: &str) -> (boon::Schemas, boon::SchemaIndex) {
    let run = Test::new()
        .args(["schema", kind])
        .run()
        .no_panic()
        .status(0);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = format!("https://appeal.invalid/{kind}.schema.json");
    compiler
        .add_resource(&url, schema)
        .expect("the schema loads");
    let index = compiler
        .compile(&url, &mut schemas)
        .expect("the schema compiles");
    (schemas, index)
}

/// A YAML file as the JSON value an editor's YAML language server validates.
fn yaml_value(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("the YAML parses")
}

fn yaml_files(folder: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {folder}");
    files
}

fn validate(schemas: &boon::Schemas, index: boon::SchemaIndex, file: &Path) {
    let value = yaml_value(&std::fs::read_to_string(file).unwrap());
    if let Err(e) = schemas.validate(&value, index) {
        panic!("{}: {e:#}", file.display());
    }
}

#[test]
fn every_shipped_campaign_is_valid_against_the_campaign_schema() {
    let (schemas, index) = compiled("campaign");
    for file in yaml_files("campaigns") {
        validate(&schemas, index, &file);
    }
}

#[test]
fn every_shipped_directory_file_is_valid_against_the_recipients_schema() {
    let (schemas, index) = compiled("recipients");
    for file in yaml_files("recipients") {
        validate(&schemas, index, &file);
    }
}

#[test]
fn the_schema_refuses_what_the_loader_refuses() {
    let (schemas, index) = compiled("campaign");
    assert!(schemas.validate(&yaml_value(DEMO_CAMPAIGN), index).is_ok());
    for (what, bad) in [
        (
            "an unknown key",
            DEMO_CAMPAIGN.replace("deadline:", "dealine:"),
        ),
        (
            "a missing field",
            DEMO_CAMPAIGN.replace("risk:\n", "riskless:\n"),
        ),
        ("a gender", DEMO_CAMPAIGN.replace("gender: f", "gender: w")),
        (
            "a date",
            DEMO_CAMPAIGN.replace("deadline: 2026-03-01", "deadline: 1 March"),
        ),
        (
            "an update's action",
            format!(
                "{DEMO_CAMPAIGN}updates:\n  - date: 2026-02-01\n    action: pause\n    text: {{en: x, ru: x}}\n"
            ),
        ),
    ] {
        assert!(
            schemas.validate(&yaml_value(&bad), index).is_err(),
            "the schema accepts {what}"
        );
    }
}

#[test]
fn an_unknown_kind_is_a_usage_error() {
    Test::new()
        .args(["schema", "supporters"])
        .run()
        .no_panic()
        .status(2)
        .stderr_has("invalid value 'supporters'");
}
