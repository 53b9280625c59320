//! The fields a data kind declares: read from the catalogue into typed fields once (an option
//! that does not belong to a field's type stops the start), then used to read what a person
//! filled in, with an error per field, and to describe the form as JSON Schema.

use crate::domain::{FieldErrors, Organisation, format_iso_date, parse_iso_date};
use crate::messages::Msg;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// A field as an operator writes it in the catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The form's label, in French and in English.
    pub label: String,
    pub label_en: String,
    #[serde(default = "yes")]
    pub required: bool,
    pub max_length: Option<usize>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub choices: Option<Vec<String>>,
    pub fields: Option<Vec<RawField>>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
}

fn yes() -> bool {
    true
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    Text {
        max_length: usize,
    },
    Integer {
        min: i64,
        max: i64,
    },
    Date,
    Choice {
        choices: Vec<String>,
    },
    List {
        fields: Vec<Field>,
        min_items: usize,
        max_items: usize,
    },
    /// A company or another body: `{name, registration_number}`, the holder a data kind may
    /// name instead of the applicant.
    Organisation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub label_en: String,
    pub required: bool,
    pub kind: FieldType,
}

/// The longest text a field may declare: what a line of a document holds, twice.
const TEXT_MAX: usize = 200;
/// The most rows a list may declare: what one page has room for.
const LIST_MAX: usize = 12;

impl Field {
    /// The typed field, or a sentence naming what is wrong with its declaration.
    pub fn parse(raw: &RawField) -> Result<Field, String> {
        let name = &raw.name;
        let valid_name = !name.is_empty()
            && name.len() <= 40
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid_name {
            return Err(format!(
                "field {name:?}: a name is lowercase letters, digits and _"
            ));
        }
        let extra = |allowed: &[&str]| -> Result<(), String> {
            let given = [
                ("max_length", raw.max_length.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
                ("choices", raw.choices.is_some()),
                ("fields", raw.fields.is_some()),
                ("min_items", raw.min_items.is_some()),
                ("max_items", raw.max_items.is_some()),
            ];
            match given
                .iter()
                .find(|(option, set)| *set && !allowed.contains(option))
            {
                Some((option, _)) => Err(format!(
                    "field {name}: {option} does not apply to a field of type {}",
                    raw.kind
                )),
                None => Ok(()),
            }
        };
        let kind = match raw.kind.as_str() {
            "text" => {
                extra(&["max_length"])?;
                let max_length = raw.max_length.unwrap_or(120);
                if !(1..=TEXT_MAX).contains(&max_length) {
                    return Err(format!("field {name}: max_length is 1 to {TEXT_MAX}"));
                }
                FieldType::Text { max_length }
            }
            "integer" => {
                extra(&["min", "max"])?;
                let (min, max) = (raw.min.unwrap_or(0), raw.max.unwrap_or(i64::from(u32::MAX)));
                if min > max {
                    return Err(format!("field {name}: min is above max"));
                }
                FieldType::Integer { min, max }
            }
            "date" => {
                extra(&[])?;
                FieldType::Date
            }
            "choice" => {
                extra(&["choices"])?;
                let choices = raw.choices.clone().unwrap_or_default();
                if choices.is_empty() {
                    return Err(format!("field {name}: a choice lists its choices"));
                }
                FieldType::Choice { choices }
            }
            "list" => {
                extra(&["fields", "min_items", "max_items"])?;
                let fields = parse_all(raw.fields.as_deref().unwrap_or_default())
                    .map_err(|e| format!("field {name}: {e}"))?;
                if fields.is_empty() {
                    return Err(format!("field {name}: a list declares the fields of a row"));
                }
                if fields
                    .iter()
                    .any(|f| matches!(f.kind, FieldType::List { .. }))
                {
                    return Err(format!("field {name}: a list's rows hold no list"));
                }
                let min_items = raw.min_items.unwrap_or(0);
                let max_items = raw.max_items.unwrap_or(LIST_MAX);
                if min_items > max_items || max_items > LIST_MAX {
                    return Err(format!("field {name}: min_items ≤ max_items ≤ {LIST_MAX}"));
                }
                FieldType::List {
                    fields,
                    min_items,
                    max_items,
                }
            }
            "organisation" => {
                extra(&[])?;
                FieldType::Organisation
            }
            other => {
                return Err(format!(
                    "field {name}: unknown type {other} (text, integer, date, choice, list, organisation)"
                ));
            }
        };
        Ok(Field {
            name: name.clone(),
            label: raw.label.clone(),
            label_en: raw.label_en.clone(),
            required: raw.required,
            kind,
        })
    }

    /// The field's value as kept, or `None` with the reason pushed under `at`.
    fn read(&self, raw: &Value, at: &str, errors: &mut FieldErrors) -> Option<Value> {
        let wrong = |errors: &mut FieldErrors, expected| {
            errors.push(at, Msg::WrongType { expected });
            None
        };
        match &self.kind {
            FieldType::Text { max_length } => match raw {
                Value::String(s) => errors
                    .check(at, crate::domain::clean_text(s, *max_length))
                    .map(Value::String),
                _ => wrong(errors, "string"),
            },
            FieldType::Integer { min, max } => match raw.as_i64() {
                Some(n) if n < *min || n > *max => {
                    errors.push(
                        at,
                        Msg::OutOfRange {
                            min: *min,
                            max: *max,
                        },
                    );
                    None
                }
                Some(n) => Some(json!(n)),
                None => wrong(errors, "integer"),
            },
            FieldType::Date => match raw {
                Value::String(s) => errors
                    .check(at, parse_iso_date(s))
                    .map(|d| Value::String(format_iso_date(d))),
                _ => wrong(errors, "string"),
            },
            FieldType::Choice { choices } => match raw {
                Value::String(s) if choices.contains(s) => Some(raw.clone()),
                Value::String(_) => {
                    errors.push(
                        at,
                        Msg::UnknownChoice {
                            choices: choices.join(", "),
                        },
                    );
                    None
                }
                _ => wrong(errors, "string"),
            },
            FieldType::List {
                fields,
                min_items,
                max_items,
            } => {
                let Value::Array(items) = raw else {
                    return wrong(errors, "array");
                };
                if items.len() < *min_items || items.len() > *max_items {
                    errors.push(
                        at,
                        Msg::ItemCount {
                            min: *min_items,
                            max: *max_items,
                        },
                    );
                    return None;
                }
                let rows: Vec<Option<Value>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| read_object(fields, Some(item), &format!("{at}[{i}]"), errors))
                    .collect();
                rows.into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Value::Array)
            }
            FieldType::Organisation => {
                let Value::Object(map) = raw else {
                    return wrong(errors, "object");
                };
                if let Some(unknown) = map
                    .keys()
                    .find(|k| !["name", "registration_number"].contains(&k.as_str()))
                {
                    errors.push(format!("{at}.{unknown}"), Msg::UnknownField);
                    return None;
                }
                let text = |key: &str, errors: &mut FieldErrors| match map.get(key) {
                    Some(Value::String(s)) => Some(s.as_str()),
                    Some(_) => {
                        errors.push(format!("{at}.{key}"), Msg::WrongType { expected: "string" });
                        None
                    }
                    None => {
                        errors.push(format!("{at}.{key}"), Msg::Required);
                        None
                    }
                };
                let (name, number) = (text("name", errors), text("registration_number", errors));
                let name = errors.check(&format!("{at}.name"), Organisation::name(name?));
                let number = errors.check(
                    &format!("{at}.registration_number"),
                    Organisation::registration_number(number?),
                );
                Some(
                    serde_json::to_value(Organisation {
                        name: name?,
                        registration_number: number?,
                    })
                    .ok()?,
                )
            }
        }
    }

    /// The JSON Schema of the field's value.
    fn schema(&self) -> Value {
        let mut s = match &self.kind {
            FieldType::Text { max_length } => json!({"type": "string", "maxLength": max_length}),
            FieldType::Integer { min, max } => {
                json!({"type": "integer", "minimum": min, "maximum": max})
            }
            FieldType::Date => json!({"type": "string", "format": "date"}),
            FieldType::Choice { choices } => json!({"type": "string", "enum": choices}),
            FieldType::List {
                fields,
                min_items,
                max_items,
            } => json!({"type": "array", "minItems": min_items, "maxItems": max_items,
                "items": object_schema(fields)}),
            FieldType::Organisation => json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "registration_number"],
                "properties": {
                    "name": {"type": "string", "maxLength": Organisation::NAME_MAX},
                    "registration_number": {"type": "string", "maxLength": Organisation::NUMBER_MAX,
                        "pattern": "^[A-Za-z0-9./ -]+$"}
                }
            }),
        };
        s["title"] = json!(self.label);
        s["description"] = json!(self.label_en);
        s
    }
}

/// Every field of a declaration, each name once.
pub fn parse_all(raw: &[RawField]) -> Result<Vec<Field>, String> {
    let mut fields: Vec<Field> = Vec::new();
    for r in raw {
        let f = Field::parse(r)?;
        if fields.iter().any(|g| g.name == f.name) {
            return Err(format!("field {} is declared twice", f.name));
        }
        fields.push(f);
    }
    Ok(fields)
}

/// An object of `fields` read from `raw` (absent reads as `{}`): unknown keys, missing required
/// values and each field's own errors are pushed under `at`.
pub fn read_object(
    fields: &[Field],
    raw: Option<&Value>,
    at: &str,
    errors: &mut FieldErrors,
) -> Option<Value> {
    let empty = Map::new();
    let map = match raw {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => {
            errors.push(at, Msg::WrongType { expected: "object" });
            return None;
        }
    };
    let before = errors.0.len();
    for key in map.keys() {
        if !fields.iter().any(|f| &f.name == key) {
            errors.push(format!("{at}.{key}"), Msg::UnknownField);
        }
    }
    let mut out = Map::new();
    for f in fields {
        let path = format!("{at}.{}", f.name);
        match map.get(&f.name) {
            None | Some(Value::Null) if f.required => errors.push(path, Msg::Required),
            None | Some(Value::Null) => {}
            Some(v) => {
                if let Some(v) = f.read(v, &path, errors) {
                    out.insert(f.name.clone(), v);
                }
            }
        }
    }
    (errors.0.len() == before).then_some(Value::Object(out))
}

/// The JSON Schema of an object of `fields`.
pub fn object_schema(fields: &[Field]) -> Value {
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect();
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| (f.name.clone(), f.schema()))
        .collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: Value) -> Result<Vec<Field>, String> {
        let raw: Vec<RawField> = serde_json::from_value(json).map_err(|e| e.to_string())?;
        parse_all(&raw)
    }

    fn gauging() -> Vec<Field> {
        fields(json!([
            {"name": "plate_number", "type": "text", "label": "Immatriculation", "label_en": "Plate", "max_length": 12},
            {"name": "capacity_litres", "type": "integer", "label": "Capacité", "label_en": "Capacity", "min": 1, "max": 100000},
            {"name": "compartments", "type": "list", "label": "Compartiments", "label_en": "Compartments", "min_items": 1, "max_items": 8,
             "fields": [{"name": "capacity_litres", "type": "integer", "label": "Capacité", "label_en": "Capacity", "min": 1}]},
            {"name": "owner", "type": "organisation", "label": "Propriétaire", "label_en": "Owner"},
            {"name": "notes", "type": "text", "label": "Notes", "label_en": "Notes", "required": false}
        ]))
        .unwrap()
    }

    fn read(raw: Value) -> (Option<Value>, Vec<String>) {
        let mut errors = FieldErrors::default();
        let v = read_object(&gauging(), Some(&raw), "details", &mut errors);
        (v, errors.0.iter().map(|e| e.field.clone()).collect())
    }

    #[test]
    fn a_declared_form_reads_a_good_answer_and_names_each_wrong_field() {
        let (v, errors) = read(
            json!({"plate_number": "  AB 1234  MD ", "capacity_litres": 30000,
            "compartments": [{"capacity_litres": 15000}, {"capacity_litres": 15000}],
            "owner": {"name": "Transports Sahel SA", "registration_number": "MA.BKO.2019.B.1234"}}),
        );
        assert_eq!(errors, Vec::<String>::new());
        let v = v.unwrap();
        assert_eq!(v["plate_number"], "AB 1234 MD");
        assert_eq!(v["owner"]["name"], "Transports Sahel SA");
        assert!(v.get("notes").is_none());
        let (v, errors) = read(
            json!({"plate_number": "AB-1234-MD-TOO-LONG", "capacity_litres": 0,
            "compartments": [{"capacity_litres": "lots"}], "owner": {"name": "X"}, "colour": "red"}),
        );
        assert!(v.is_none());
        for f in [
            "details.plate_number",
            "details.capacity_litres",
            "details.compartments[0].capacity_litres",
            "details.owner.registration_number",
            "details.colour",
        ] {
            assert!(errors.iter().any(|e| e == f), "{f} not in {errors:?}");
        }
        let (_, errors) = read(json!({"compartments": []}));
        for f in [
            "details.plate_number",
            "details.compartments",
            "details.owner",
        ] {
            assert!(errors.iter().any(|e| e == f), "{f} not in {errors:?}");
        }
    }

    #[test]
    fn a_declaration_with_an_option_of_another_type_is_refused_by_name() {
        let e = fields(
            json!([{"name": "plate", "type": "text", "label": "P", "label_en": "P", "min": 3}]),
        )
        .unwrap_err();
        assert!(e.contains("plate") && e.contains("min"), "{e}");
        assert!(
            fields(json!([{"name": "x", "type": "colour", "label": "P", "label_en": "P"}]))
                .is_err()
        );
        assert!(
            fields(json!([{"name": "Bad Name", "type": "date", "label": "P", "label_en": "P"}]))
                .is_err()
        );
        assert!(
            fields(
                json!([{"name": "x", "type": "date", "label": "P", "label_en": "P", "typo": 1}])
            )
            .is_err()
        );
    }

    #[test]
    fn the_schema_says_what_the_reader_accepts() {
        let s = object_schema(&gauging());
        assert_eq!(
            s["required"],
            json!(["plate_number", "capacity_litres", "compartments", "owner"])
        );
        assert_eq!(s["properties"]["compartments"]["maxItems"], 8);
        assert_eq!(s["properties"]["plate_number"]["maxLength"], 12);
    }
}
