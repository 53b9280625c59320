//! What the registry writes on a criminal record extract.

use super::applicant::{format_iso_date, parse_iso_date};
use super::text::{FieldErrors, clean};
use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use time::Date;

/// The convictions that bulletin n°3 shows. An empty list prints "Néant".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExtractRecord {
    pub convictions: Vec<Conviction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conviction {
    #[serde(with = "iso_date")]
    pub date: Date,
    pub court: String,
    pub offence: String,
    pub sentence: String,
}

/// A conviction as the clerk typed it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvictionInput {
    #[schema(format = Date)]
    pub date: Option<String>,
    pub court: Option<String>,
    pub offence: Option<String>,
    pub sentence: Option<String>,
}

/// The `record` of an approval of an extract.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRecordInput {
    pub convictions: Option<Vec<ConvictionInput>>,
}

impl ExtractRecord {
    /// The most a clerk may enter: at their longest (every field at its limit) they run to a
    /// third page, within the four a document may have (`guichet-pdf`'s layout, tested there).
    pub const MAX_CONVICTIONS: usize = 12;

    pub fn parse(
        input: &ExtractRecordInput,
        today: Date,
        prefix: &str,
        errors: &mut FieldErrors,
    ) -> Option<Self> {
        let Some(list) = &input.convictions else {
            errors.push(format!("{prefix}.convictions"), Msg::Required);
            return None;
        };
        if list.len() > Self::MAX_CONVICTIONS {
            errors.push(
                format!("{prefix}.convictions"),
                Msg::TooManyConvictions {
                    max: Self::MAX_CONVICTIONS,
                },
            );
            return None;
        }
        let mut convictions = Vec::with_capacity(list.len());
        for (i, c) in list.iter().enumerate() {
            let f = |name: &str| format!("{prefix}.convictions[{i}].{name}");
            let text = |v: &Option<String>, max| v.as_deref().map(|s| clean(s, max));
            let date = errors.required(
                &f("date"),
                c.date.as_deref().map(|s| {
                    parse_iso_date(s).and_then(|d| {
                        if d > today {
                            Err(Msg::DateInFuture)
                        } else {
                            Ok(d)
                        }
                    })
                }),
            );
            let court = errors.required(&f("court"), text(&c.court, 120));
            let offence = errors.required(&f("offence"), text(&c.offence, 200));
            let sentence = errors.required(&f("sentence"), text(&c.sentence, 200));
            if let (Some(date), Some(court), Some(offence), Some(sentence)) =
                (date, court, offence, sentence)
            {
                convictions.push(Conviction {
                    date,
                    court,
                    offence,
                    sentence,
                });
            }
        }
        (convictions.len() == list.len()).then_some(ExtractRecord { convictions })
    }
}

pub(crate) mod iso_date {
    use super::{format_iso_date, parse_iso_date};
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_iso_date(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse_iso_date(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn an_empty_list_is_neant_and_a_missing_list_is_an_error() {
        let mut errors = FieldErrors::default();
        let empty = ExtractRecordInput {
            convictions: Some(vec![]),
        };
        assert_eq!(
            ExtractRecord::parse(&empty, date!(2026 - 11 - 25), "record", &mut errors),
            Some(ExtractRecord::default())
        );
        assert!(
            ExtractRecord::parse(
                &ExtractRecordInput::default(),
                date!(2026 - 11 - 25),
                "record",
                &mut errors
            )
            .is_none()
        );
        assert_eq!(errors.0[0].field, "record.convictions");
    }

    #[test]
    fn each_conviction_field_is_checked() {
        let mut errors = FieldErrors::default();
        let input = ExtractRecordInput {
            convictions: Some(vec![ConvictionInput {
                date: Some("2019-03-01".into()),
                court: Some("Tribunal de Grande Instance de la Commune III".into()),
                offence: None,
                sentence: Some("6 mois avec sursis".into()),
            }]),
        };
        assert!(
            ExtractRecord::parse(&input, date!(2026 - 11 - 25), "record", &mut errors).is_none()
        );
        assert_eq!(errors.0[0].field, "record.convictions[0].offence");
    }
}
