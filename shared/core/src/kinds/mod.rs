//! Every kind of document, each in its own module, and the registry that is the only place that
//! knows them all. A kind says in one place what the applicant fills in (its details), what the
//! deciding officer supplies (its content), the attachments it needs, its workflow, its template
//! and its names (contract name, number prefix, seal code, titles). The catalogue offers and
//! prices kinds; it cannot invent one (`Catalogue::parse` refuses an entry with no kind behind it).

mod criminal_record;
mod data;
mod nationality;
pub mod visa;

pub use criminal_record::CriminalRecord;
pub use data::{DataKind, Declaration};
pub use nationality::{Basis, Nationality, NationalityDetails, Parent};
pub use visa::Visa;

use crate::domain::{
    Applicant, Application, DocumentKind, DocumentNumber, FieldErrors, Holder, KindCode,
    NumberPrefix, OfficeCode, Workflow, WorkflowError, number_seed,
};
use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use time::Date;

/// A kind's names: how the contract, its numbers and its seals call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindNames {
    pub kind: DocumentKind,
    pub prefix: NumberPrefix,
    pub code: KindCode,
    /// As printed and shown to citizens, in French; and in English beside it.
    pub title: String,
    pub title_en: String,
}

/// The largest file an applicant may join: what `guichet serve`'s upload route and the check
/// step accept.
pub const MAX_UPLOAD: u64 = 5 * 1024 * 1024;

/// A file the applicant must (or may) join to the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSpec {
    /// `birth_certificate`, `parent_nationality_proof`…
    pub name: String,
    pub required: bool,
    pub content_types: Vec<String>,
    pub max_bytes: u64,
    /// What the applicant is asked for, in French and in English ("Acte de naissance"); a
    /// front end falls back on the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

/// The scanned proofs a person joins: a PDF or a picture, up to 5 MB.
pub fn proof(name: &str, label: &str, label_en: &str) -> AttachmentSpec {
    AttachmentSpec {
        name: name.into(),
        required: true,
        content_types: vec![
            "application/pdf".into(),
            "image/jpeg".into(),
            "image/png".into(),
        ],
        max_bytes: MAX_UPLOAD,
        label: Some(label.into()),
        label_en: Some(label_en.into()),
    }
}

/// An application that need not be made at all (a visa for a traveller who needs none): refused
/// before anything is stored or charged, with its own problem type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotNeeded {
    /// The problem type's last segment (`visa-not-required`).
    pub problem: &'static str,
    pub field: &'static str,
    pub message: Msg,
}

/// What a kind of document is. Kinds with real rules are Rust types (`CriminalRecord`,
/// `Nationality`, `Visa`).
pub trait Kind: Send + Sync + fmt::Debug {
    fn names(&self) -> &KindNames;

    /// Whether what was filled in shows the application is not needed at all.
    fn not_needed(&self, _raw: Option<&Value>) -> Option<NotNeeded> {
        None
    }

    /// Whether the applicant may leave out their place of birth (a traveller's identity is the
    /// passport's, which prints none).
    fn birth_place_optional(&self) -> bool {
        false
    }

    /// The office the applicant chose in the details (a visa's mission); `None` for kinds the
    /// catalogue routes.
    fn office(&self, _details: &Value) -> Option<OfficeCode> {
        None
    }

    /// The field of the details that chooses the office (`details.mission`), for kinds that
    /// `office` answers for.
    fn office_field(&self) -> Option<&'static str> {
        None
    }

    /// Every office `office` may choose.
    fn offices(&self) -> Vec<OfficeCode> {
        Vec::new()
    }

    /// The name and birth year a screening step matches against the watchlist (a traveller's,
    /// from the passport); `None` for kinds nobody screens.
    fn screened(&self, _app: &Application) -> Option<(String, Option<i32>)> {
        None
    }

    /// The attachment whose picture the document prints (a visa's `photo`).
    fn portrait(&self) -> Option<&str> {
        None
    }

    /// What the seal says beyond every document's claims: a visa's terms.
    fn visa_claims(&self, _app: &Application) -> Option<crate::domain::VisaClaims> {
        None
    }

    /// The last day its document is valid, when the content says (a visa's validity); `None`
    /// leaves it to the catalogue's `validity_days`.
    fn expires(&self, _content: &Value) -> Option<Date> {
        None
    }

    /// Parses what the applicant filled in (`details`) into the kind's typed value, kept as JSON
    /// on the application; field errors are named `details.…`. The applicant is `None` when their
    /// own fields failed: every detail is still checked, so that one answer names every wrong
    /// field, and only what compares the details with the person waits for a valid one.
    fn details(
        &self,
        raw: Option<&Value>,
        applicant: Option<&Applicant>,
        today: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value>;

    /// The JSON Schema of `details`, for the catalogue's clients.
    fn details_schema(&self) -> Value;

    /// The field of a decision's body that carries the content: the extract's is `record`
    /// (the contract named it so first), every other kind's `content`.
    fn content_field(&self) -> &'static str {
        "content"
    }

    /// Parses the content an approving officer supplies (`None` in `raw` when absent), checked
    /// against the application; what the document will say.
    fn content(
        &self,
        raw: Option<&Value>,
        app: &Application,
        today: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value>;

    /// The JSON Schema of the content, for the catalogue's clients.
    fn content_schema(&self) -> Value;

    fn attachments(&self) -> &[AttachmentSpec];

    /// The events its applicants are told of by email and SMS: the common ones, and any a kind
    /// adds (every event told must be in `domain::NOTIFY`, and have its words in
    /// `notifications`).
    fn notified(&self) -> &[crate::domain::EventType] {
        &crate::notifications::TOLD
    }

    fn workflow(&self) -> &Workflow;

    /// The name of the template its documents are drawn from.
    fn template(&self) -> &str;

    /// Who its documents are about: the person who asked, unless the kind says otherwise.
    fn holder(&self, app: &Application) -> Holder {
        Holder::person(&app.applicant)
    }
}

/// Codes and prefixes given before kinds were types, kept for the kinds they were given to:
/// another kind may not take them.
const RESERVED: [(u16, &str, &str); 7] = [
    (1, "CJ", "criminal_record_extract"),
    (2, "CN", "nationality_certificate"),
    (3, "AN", "birth_certificate_copy"),
    (4, "AM", "marriage_certificate_copy"),
    (5, "AD", "death_certificate_copy"),
    (6, "CC", "consular_card"),
    (7, "VS", "visa"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error("kind {0} is declared twice")]
    DuplicateName(DocumentKind),
    #[error("kinds {0} and {1} have the same seal code {2}")]
    DuplicateCode(DocumentKind, DocumentKind, KindCode),
    #[error(
        "kinds {0} and {1} have number prefixes {2} and {3}: one mistyped letter would read as the other (choose a prefix that differs in both letters)"
    )]
    PrefixesTooClose(DocumentKind, DocumentKind, NumberPrefix, NumberPrefix),
    #[error("kind {0} takes seal code {1} or prefix {2}, kept for {3}")]
    Reserved(DocumentKind, KindCode, NumberPrefix, &'static str),
    #[error("kind {0}'s seal code must be between 1 and 9999")]
    CodeRange(DocumentKind),
    #[error("kind {0}'s workflow: {1}")]
    Workflow(DocumentKind, WorkflowError),
}

/// Whether `kind` is one announced before it was built (a civil-status copy, the consular card,
/// the visa): asking for it is "not online yet" rather than "unknown".
pub fn is_announced(kind: DocumentKind) -> bool {
    RESERVED.iter().any(|(_, _, name)| *name == kind.as_str())
}

/// Two prefixes one mistyped letter or one swap apart, whose numbers share a check digit.
fn too_close(a: NumberPrefix, b: NumberPrefix) -> bool {
    if number_seed(a) != number_seed(b) {
        return false;
    }
    let (x, y) = (a.as_str().as_bytes(), b.as_str().as_bytes());
    let differing = x.iter().zip(y).filter(|(p, q)| p != q).count();
    a == b || differing == 1 || (x[0] == y[1] && x[1] == y[0])
}

/// The kinds this service knows.
#[derive(Clone)]
pub struct Kinds {
    all: Vec<Arc<dyn Kind>>,
}

impl fmt::Debug for Kinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.all.iter().map(|k| k.names().kind))
            .finish()
    }
}

impl Kinds {
    /// The kinds written in Rust.
    pub fn builtin() -> Vec<Arc<dyn Kind>> {
        vec![
            Arc::new(CriminalRecord::new()),
            Arc::new(Nationality::new()),
        ]
    }

    /// The registry of `all`, refused when two kinds share a name or a code, when their prefixes
    /// are too close for the check digit to tell apart, or when a workflow cannot run.
    pub fn new(all: Vec<Arc<dyn Kind>>) -> Result<Self, KindError> {
        for (i, k) in all.iter().enumerate() {
            let n = k.names();
            if !(1..=9999).contains(&n.code.0) {
                return Err(KindError::CodeRange(n.kind));
            }
            if let Some((_, _, owner)) = RESERVED.iter().find(|(c, p, owner)| {
                (*c == n.code.0 || *p == n.prefix.as_str()) && *owner != n.kind.as_str()
            }) {
                return Err(KindError::Reserved(n.kind, n.code, n.prefix, owner));
            }
            k.workflow()
                .check()
                .map_err(|e| KindError::Workflow(n.kind, e))?;
            for other in &all[..i] {
                let o = other.names();
                if o.kind == n.kind {
                    return Err(KindError::DuplicateName(n.kind));
                }
                if o.code == n.code {
                    return Err(KindError::DuplicateCode(o.kind, n.kind, n.code));
                }
                if too_close(o.prefix, n.prefix) {
                    return Err(KindError::PrefixesTooClose(
                        o.kind, n.kind, o.prefix, n.prefix,
                    ));
                }
            }
        }
        Ok(Kinds { all })
    }

    pub fn get(&self, kind: DocumentKind) -> Option<&dyn Kind> {
        self.find(|n| n.kind == kind)
    }

    pub fn by_code(&self, code: KindCode) -> Option<&dyn Kind> {
        self.find(|n| n.code == code)
    }

    pub fn by_prefix(&self, prefix: NumberPrefix) -> Option<&dyn Kind> {
        self.find(|n| n.prefix == prefix)
    }

    fn find(&self, pred: impl Fn(&KindNames) -> bool) -> Option<&dyn Kind> {
        self.all
            .iter()
            .find(|k| pred(k.names()))
            .map(|k| k.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Kind> {
        self.all.iter().map(|k| k.as_ref())
    }

    /// A number as typed, of a kind this service issues: a typo, or a prefix no kind has, is
    /// an invalid number.
    pub fn number(&self, text: &str) -> Result<DocumentNumber, Msg> {
        let number: DocumentNumber = text.parse()?;
        self.by_prefix(number.prefix())
            .map(|_| number)
            .ok_or(Msg::InvalidDocumentNumber)
    }
}

/// A string from a JSON Schema's `enum`, with the choices listed in the message when it is not one.
pub(crate) fn choice<T: Copy>(
    raw: Option<&str>,
    choices: &[(&str, T)],
    field: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let Some(raw) = raw else {
        errors.push(field, Msg::Required);
        return None;
    };
    errors.check(field, parse_choice(raw, choices))
}

/// The value `raw` names among `choices`, or the message listing them.
pub(crate) fn parse_choice<T: Copy>(raw: &str, choices: &[(&str, T)]) -> Result<T, Msg> {
    choices
        .iter()
        .find(|(name, _)| *name == raw)
        .map(|(_, v)| *v)
        .ok_or_else(|| Msg::UnknownChoice {
            choices: choices
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, StepAction};

    #[derive(Debug)]
    struct Fake(KindNames, Workflow);

    impl Kind for Fake {
        fn names(&self) -> &KindNames {
            &self.0
        }
        fn details(
            &self,
            _: Option<&Value>,
            _: Option<&Applicant>,
            _: Date,
            _: &mut FieldErrors,
        ) -> Option<Value> {
            Some(Value::Null)
        }
        fn details_schema(&self) -> Value {
            Value::Null
        }
        fn content(
            &self,
            _: Option<&Value>,
            _: &Application,
            _: Date,
            _: &mut FieldErrors,
        ) -> Option<Value> {
            Some(Value::Null)
        }
        fn content_schema(&self) -> Value {
            Value::Null
        }
        fn attachments(&self) -> &[AttachmentSpec] {
            &[]
        }
        fn workflow(&self) -> &Workflow {
            &self.1
        }
        fn template(&self) -> &str {
            "x"
        }
    }

    fn fake(name: &str, prefix: &str, code: u16) -> Arc<dyn Kind> {
        Arc::new(Fake(
            KindNames {
                kind: DocumentKind::parse(name).unwrap(),
                prefix: NumberPrefix::parse(prefix).unwrap(),
                code: KindCode(code),
                title: name.into(),
                title_en: name.into(),
            },
            Workflow::single("review", &[Role::Clerk]),
        ))
    }

    /// Prefixes for `n` kinds, none too close to another or to the first kinds': at least 100.
    fn many(n: usize) -> Vec<Arc<dyn Kind>> {
        let mut kinds = Kinds::builtin();
        let mut code = 100;
        'outer: for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                if kinds.len() >= n {
                    break 'outer;
                }
                let p = NumberPrefix::parse(&String::from_utf8(vec![a, b]).unwrap()).unwrap();
                let reserved = RESERVED.iter().any(|(_, r, _)| *r == p.as_str());
                if reserved || kinds.iter().any(|k| too_close(k.names().prefix, p)) {
                    continue;
                }
                code += 1;
                kinds.push(fake(&format!("kind_{code}"), p.as_str(), code));
            }
        }
        kinds
    }

    #[test]
    fn a_hundred_kinds_fit_and_a_typo_in_any_prefix_is_caught() {
        let kinds = Kinds::new(many(120)).unwrap();
        assert!(kinds.iter().count() >= 120);
        for k in kinds.iter() {
            let good = DocumentNumber::new(k.names().prefix, 2026, 4321)
                .unwrap()
                .to_string();
            assert_eq!(kinds.number(&good).unwrap().to_string(), good);
            let mut bytes = good.clone().into_bytes();
            for pos in 0..2 {
                for letter in b'A'..=b'Z' {
                    let mut typo = bytes.clone();
                    if typo[pos] == letter {
                        continue;
                    }
                    typo[pos] = letter;
                    let typo = String::from_utf8(typo).unwrap();
                    assert!(kinds.number(&typo).is_err(), "{good} -> {typo}");
                }
            }
            bytes.swap(0, 1);
            let swapped = String::from_utf8(bytes).unwrap();
            if swapped != good {
                assert!(kinds.number(&swapped).is_err(), "{good} -> {swapped}");
            }
        }
    }

    #[test]
    fn clashing_kinds_are_refused_with_their_names() {
        let with = |k| {
            let mut all = Kinds::builtin();
            all.push(k);
            Kinds::new(all).unwrap_err()
        };
        // MJ shares CJ's seed and differs from it by one letter.
        assert_eq!(number_seed(NumberPrefix::known("MJ")), 1);
        assert!(matches!(
            with(fake("gauging", "MJ", 20)),
            KindError::PrefixesTooClose(..)
        ));
        assert!(matches!(
            with(fake("gauging", "VS", 20)),
            KindError::Reserved(..)
        ));
        assert!(matches!(
            with(fake("gauging", "JG", 7)),
            KindError::Reserved(..)
        ));
        assert!(matches!(
            with(fake("criminal_record_extract", "JG", 20)),
            KindError::DuplicateName(_)
        ));
        let e = with(fake("gauging", "MJ", 20)).to_string();
        assert!(
            e.contains("gauging") && e.contains("criminal_record_extract"),
            "{e}"
        );
        let signs_first = Arc::new(Fake(
            fake("gauging", "JG", 20).names().clone(),
            Workflow {
                steps: vec![crate::domain::Step {
                    action: StepAction::Sign,
                    ..crate::domain::Step::decide("signature", &[Role::Signatory])
                }],
            },
        ));
        assert!(matches!(with(signs_first), KindError::Workflow(..)));
    }
}
