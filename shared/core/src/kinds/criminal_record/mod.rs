//! Extrait du casier judiciaire, bulletin n°3: asked by the person it concerns, decided by the
//! court registry of their place of birth, which writes the convictions it shows ("Néant" for
//! none).

use super::{AttachmentSpec, Kind, KindNames};
use crate::domain::{
    Applicant, Application, DocumentKind, ExtractRecord, ExtractRecordInput, FieldErrors, KindCode,
    NumberPrefix, Role, Workflow, clean_text,
};
use crate::json::parse_value_at;
use crate::messages::Msg;
use serde_json::{Value, json};
use time::Date;

#[derive(Debug)]
pub struct CriminalRecord {
    names: KindNames,
    workflow: Workflow,
}

impl CriminalRecord {
    pub fn new() -> Self {
        CriminalRecord {
            names: KindNames {
                kind: DocumentKind::CRIMINAL_RECORD_EXTRACT,
                prefix: NumberPrefix::known("CJ"),
                code: KindCode(1),
                title: "Extrait du casier judiciaire — Bulletin n°3".into(),
                title_en: "Criminal record extract (bulletin no. 3)".into(),
            },
            // Any clerk or signatory of the registry decides; one person suffices.
            workflow: Workflow::single("review", &[Role::Clerk, Role::Signatory]),
        }
    }
}

impl Default for CriminalRecord {
    fn default() -> Self {
        Self::new()
    }
}

impl Kind for CriminalRecord {
    fn names(&self) -> &KindNames {
        &self.names
    }

    /// An optional purpose, nothing else.
    fn details(
        &self,
        raw: Option<&Value>,
        _: Option<&Applicant>,
        _: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value> {
        let Some(value) = raw else {
            return Some(json!({}));
        };
        let Some(map) = value.as_object() else {
            errors.push("details", Msg::WrongType { expected: "object" });
            return None;
        };
        let mut ok = true;
        let mut out = serde_json::Map::new();
        for (k, v) in map {
            match (k.as_str(), v) {
                ("purpose", Value::Null) => {}
                ("purpose", Value::String(s)) => match clean_text(s, 200) {
                    Ok(p) => {
                        out.insert("purpose".into(), p.into());
                    }
                    Err(m) => {
                        errors.push("details.purpose", m);
                        ok = false;
                    }
                },
                ("purpose", _) => {
                    errors.push("details.purpose", Msg::WrongType { expected: "string" });
                    ok = false;
                }
                (other, _) => {
                    errors.push(format!("details.{other}"), Msg::UnknownField);
                    ok = false;
                }
            }
        }
        ok.then_some(Value::Object(out))
    }

    fn details_schema(&self) -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "purpose": {"type": "string", "maxLength": 200, "description": "Pourquoi l'extrait est demandé (emploi, concours…) / what it is for"}
            }
        })
    }

    fn content_field(&self) -> &'static str {
        "record"
    }

    /// The convictions, required (an empty list prints "Néant"): an extract is never approved
    /// without the registry saying what it shows.
    fn content(
        &self,
        raw: Option<&Value>,
        _: &Application,
        today: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value> {
        let Some(raw) = raw else {
            errors.push("record", Msg::RecordRequired);
            return None;
        };
        let input: ExtractRecordInput = parse_value_at(raw, "record", errors)?;
        let record = ExtractRecord::parse(&input, today, "record", errors)?;
        serde_json::to_value(record).ok()
    }

    fn content_schema(&self) -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["convictions"],
            "properties": {
                "convictions": {
                    "type": "array",
                    "maxItems": ExtractRecord::MAX_CONVICTIONS,
                    "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["date", "court", "offence", "sentence"],
                        "properties": {
                            "date": {"type": "string", "format": "date"},
                            "court": {"type": "string", "maxLength": 120},
                            "offence": {"type": "string", "maxLength": 200},
                            "sentence": {"type": "string", "maxLength": 200}
                        }
                    }
                }
            }
        })
    }

    fn attachments(&self) -> &[AttachmentSpec] {
        &[]
    }

    fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    fn template(&self) -> &str {
        "criminal_record_extract"
    }
}
