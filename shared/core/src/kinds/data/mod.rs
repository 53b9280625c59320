//! Data kinds: a kind declared by a catalogue entry alone (its fields, workflow, attachments,
//! holder and template file), for documents whose only rules are a form's. Kinds with real rules
//! stay types written in Rust (`super::CriminalRecord`, `super::Nationality`).

mod fields;

pub use fields::{Field, FieldType, RawField};

use super::{AttachmentSpec, Kind, KindNames};
use crate::domain::{
    Applicant, Application, DocumentKind, FieldErrors, Holder, KindCode, NumberPrefix,
    Organisation, Workflow,
};
use crate::messages::Msg;
use serde::Deserialize;
use serde_json::Value;
use time::Date;

/// What a catalogue entry declares to be a kind of its own (`services[].declares`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// The two letters its numbers open with, and its seal code: see docs/seal.md.
    pub prefix: String,
    pub code: u16,
    pub title: String,
    pub title_en: String,
    /// The template file its documents are drawn from (`<name>.json` in the templates folder).
    pub template: String,
    /// The applicant's form.
    pub details: Vec<RawField>,
    /// What the deciding officer supplies on approval; none by default.
    #[serde(default)]
    pub content: Vec<RawField>,
    #[serde(default)]
    pub attachments: Vec<AttachmentSpec>,
    pub workflow: Workflow,
    /// The `organisation` field of the details the document is about; absent, the applicant.
    #[serde(default)]
    pub holder: Option<String>,
}

#[derive(Debug)]
pub struct DataKind {
    names: KindNames,
    details: Vec<Field>,
    content: Vec<Field>,
    attachments: Vec<AttachmentSpec>,
    workflow: Workflow,
    template: String,
    holder: Option<String>,
}

impl DataKind {
    /// The kind `kind` declares, or a sentence saying what is wrong with the declaration.
    pub fn new(kind: DocumentKind, d: &Declaration) -> Result<Self, String> {
        let prefix = NumberPrefix::parse(&d.prefix)
            .ok_or_else(|| format!("prefix {}: two capital letters", d.prefix))?;
        let details = fields::parse_all(&d.details).map_err(|e| format!("details: {e}"))?;
        let content = fields::parse_all(&d.content).map_err(|e| format!("content: {e}"))?;
        if let Some(holder) = &d.holder {
            let is_organisation = details
                .iter()
                .any(|f| &f.name == holder && f.kind == FieldType::Organisation && f.required);
            if !is_organisation {
                return Err(format!(
                    "holder {holder}: not a required field of type organisation in details"
                ));
            }
        }
        let valid_template = !d.template.is_empty()
            && d.template
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid_template {
            return Err(format!(
                "template {:?}: a name is lowercase letters, digits and _ (the file is <name>.json)",
                d.template
            ));
        }
        for (i, a) in d.attachments.iter().enumerate() {
            if d.attachments[..i].iter().any(|b| b.name == a.name) {
                return Err(format!("attachment {} is declared twice", a.name));
            }
            if a.content_types.is_empty() || a.max_bytes == 0 || a.max_bytes > super::MAX_UPLOAD {
                return Err(format!(
                    "attachment {}: content_types and max_bytes (at most {} bytes)",
                    a.name,
                    super::MAX_UPLOAD
                ));
            }
        }
        Ok(DataKind {
            names: KindNames {
                kind,
                prefix,
                code: KindCode(d.code),
                title: d.title.clone(),
                title_en: d.title_en.clone(),
            },
            details,
            content,
            attachments: d.attachments.clone(),
            workflow: d.workflow.clone(),
            template: d.template.clone(),
            holder: d.holder.clone(),
        })
    }
}

impl Kind for DataKind {
    fn names(&self) -> &KindNames {
        &self.names
    }

    fn details(
        &self,
        raw: Option<&Value>,
        _: Option<&Applicant>,
        _: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value> {
        fields::read_object(&self.details, raw, "details", errors)
    }

    fn details_schema(&self) -> Value {
        fields::object_schema(&self.details)
    }

    fn content(
        &self,
        raw: Option<&Value>,
        _: &Application,
        _: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value> {
        if self.content.is_empty() && raw.is_some_and(|v| !v.is_null()) {
            errors.push("content", Msg::ContentNotExpected { field: "content" });
            return None;
        }
        fields::read_object(&self.content, raw, "content", errors)
    }

    fn content_schema(&self) -> Value {
        fields::object_schema(&self.content)
    }

    fn attachments(&self) -> &[AttachmentSpec] {
        &self.attachments
    }

    fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    fn template(&self) -> &str {
        &self.template
    }

    fn holder(&self, app: &Application) -> Holder {
        let organisation = self
            .holder
            .as_ref()
            .and_then(|field| app.details.get(field))
            .and_then(|v| serde_json::from_value::<Organisation>(v.clone()).ok());
        match organisation {
            Some(organisation) => Holder::Organisation { organisation },
            // The field is required and checked at submission; a stored application that lacks
            // it is about the person who asked.
            None => Holder::person(&app.applicant),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub fn declaration() -> Declaration {
        serde_json::from_value(json!({
            "prefix": "JT", "code": 20,
            "title": "Certificat de jaugeage", "title_en": "Gauging certificate",
            "template": "gauging_certificate",
            "holder": "owner",
            "details": [
                {"name": "plate_number", "type": "text", "label": "Immatriculation", "label_en": "Plate", "max_length": 12},
                {"name": "owner", "type": "organisation", "label": "Propriétaire", "label_en": "Owner"}
            ],
            "workflow": [{"name": "gauging", "roles": ["clerk"], "action": "decide"}]
        }))
        .unwrap()
    }

    #[test]
    fn the_holder_is_the_organisation_the_details_name() {
        let kind = DataKind::new(DocumentKind::parse("gauging").unwrap(), &declaration()).unwrap();
        let mut app = Application::example();
        let mut errors = FieldErrors::default();
        app.details = kind
            .details(
                Some(&json!({"plate_number": "AB 1234 MD", "owner": {"name": "Transports Sahel SA", "registration_number": "MA.BKO.2019.B.1234"}})),
                Some(&app.applicant),
                app.created_at.date(),
                &mut errors,
            )
            .unwrap();
        assert!(errors.is_empty());
        assert_eq!(
            kind.holder(&app)
                .as_organisation()
                .unwrap()
                .registration_number,
            "MA.BKO.2019.B.1234"
        );
        let mut errors = FieldErrors::default();
        assert!(
            kind.content(
                Some(&json!({"x": 1})),
                &app,
                app.created_at.date(),
                &mut errors
            )
            .is_none()
        );
        assert_eq!(
            kind.content(
                None,
                &app,
                app.created_at.date(),
                &mut FieldErrors::default()
            ),
            Some(json!({}))
        );
    }

    #[test]
    fn a_holder_that_is_not_an_organisation_field_is_refused() {
        let mut d = declaration();
        d.holder = Some("plate_number".into());
        let e = DataKind::new(DocumentKind::parse("gauging").unwrap(), &d).unwrap_err();
        assert!(e.contains("plate_number"), "{e}");
        let mut d = declaration();
        d.template = "../../etc/passwd".into();
        assert!(DataKind::new(DocumentKind::parse("gauging").unwrap(), &d).is_err());
    }
}
