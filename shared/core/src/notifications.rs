//! What an applicant is told when their application moves, by email and SMS: versioned templates,
//! French first and English after, that name the application and say where to look, never what
//! a document says (a criminal record's content, a refusal's reason) nor even which document was
//! asked for: a phone is often shared. An SMS holds both languages and fits two parts.

use crate::domain::EventType;

/// Written into every message, so a message can be traced to the words it was sent with. v2:
/// a ready or revoked document is named by its application's reference, not its number, whose
/// prefix says the kind (`CJ-` is a criminal record); a border crossing is told.
pub const TEMPLATES_VERSION: &str = "v2";

/// The events every kind's applicants are told of (`Kind::notified`; a kind may add some).
pub const TOLD: [EventType; 6] = [
    EventType::Paid,
    EventType::InfoRequested,
    EventType::Approved,
    EventType::Rejected,
    EventType::Issued,
    EventType::Revoked,
];

/// The most SMS parts a notification may take (each part is billed).
pub const SMS_MAX_PARTS: usize = 2;

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub body: String,
    pub sms: String,
}

/// What the messages may name.
pub struct About<'a> {
    pub event: EventType,
    /// The application's payment reference, which the applicant knows it by.
    pub reference: &'a str,
    /// The application in the portal.
    pub link: &'a str,
}

/// What one language says: the subject, the email's sentence, and the SMS's shorter one.
struct Words {
    subject: &'static str,
    sentence: String,
    sms: String,
}

/// French then English, for the events an applicant is told of.
fn words(a: &About) -> Option<[Words; 2]> {
    let r = a.reference;
    let w = |subject, sentence: String, sms: String| Words {
        subject,
        sentence,
        sms,
    };
    Some(match a.event {
        EventType::Paid => [
            w(
                "Paiement reçu",
                format!("paiement reçu pour votre demande {r}, transmise au service."),
                format!("paiement reçu, demande {r}."),
            ),
            w(
                "Payment received",
                format!("payment received for your application {r}, now with the office."),
                format!("payment received, application {r}."),
            ),
        ],
        EventType::InfoRequested => [
            w(
                "Précision demandée",
                format!(
                    "le service demande une précision sur votre demande {r} : répondez sur Guichet."
                ),
                format!("précision demandée pour {r}."),
            ),
            w(
                "Information requested",
                format!(
                    "the office asks for more information on application {r}: answer on Guichet."
                ),
                format!("information requested for {r}."),
            ),
        ],
        EventType::Approved => [
            w(
                "Demande acceptée",
                format!("votre demande {r} est acceptée ; le document est en préparation."),
                format!("demande {r} acceptée."),
            ),
            w(
                "Application approved",
                format!("your application {r} is approved; the document is being prepared."),
                format!("application {r} approved."),
            ),
        ],
        EventType::Rejected => [
            w(
                "Demande non aboutie",
                format!("votre demande {r} n'a pas abouti ; le motif est sur Guichet."),
                format!("demande {r} non aboutie, motif sur Guichet."),
            ),
            w(
                "Application not approved",
                format!("your application {r} was not approved; the reason is on Guichet."),
                format!("application {r} not approved, reason on Guichet."),
            ),
        ],
        EventType::Issued => [
            w(
                "Document prêt",
                format!("le document de votre demande {r} est prêt : téléchargez-le sur Guichet."),
                format!("document de la demande {r} prêt, sur Guichet."),
            ),
            w(
                "Document ready",
                format!("the document of your application {r} is ready: download it on Guichet."),
                format!("document of application {r} ready, on Guichet."),
            ),
        ],
        EventType::Revoked => [
            w(
                "Document révoqué",
                format!("le document de votre demande {r} a été révoqué ; détails sur Guichet."),
                format!("document de la demande {r} révoqué."),
            ),
            w(
                "Document revoked",
                format!("the document of your application {r} was revoked; details on Guichet."),
                format!("document of application {r} revoked."),
            ),
        ],
        EventType::Crossed => [
            w(
                "Passage de frontière",
                format!(
                    "un passage de frontière a été enregistré avec le document de votre demande {r} ; si ce n'était pas vous, signalez-le sur Guichet."
                ),
                format!("passage de frontière enregistré, demande {r}."),
            ),
            w(
                "Border crossing",
                format!(
                    "a border crossing was recorded with the document of your application {r}; if it was not you, report it on Guichet."
                ),
                format!("border crossing recorded, application {r}."),
            ),
        ],
        _ => return None,
    })
}

/// The email and the SMS for this event, or `None` for an event applicants are not told of.
pub fn compose(a: &About) -> Option<Composed> {
    let [fr, en] = words(a)?;
    let capital = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    Some(Composed {
        subject: format!(
            "Guichet : {} / {} — {}",
            fr.subject, en.subject, a.reference
        ),
        body: format!(
            "Bonjour,\n\n{}\n\nSuivre la demande : {link}\n\n— Guichet, République du Mali\n\n\
             ----\n\nHello,\n\n{}\n\nFollow the application: {link}\n\n— Guichet, Republic of Mali\n\n\
             (Message automatique, ne pas répondre / automatic message, do not reply. {TEMPLATES_VERSION})\n",
            capital(&fr.sentence),
            capital(&en.sentence),
            link = a.link,
        ),
        sms: format!("Guichet: {} / {}", capital(&fr.sms), capital(&en.sms)),
    })
}

/// GSM 03.38's default alphabet: a text of these only is sent 7 bits a character.
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table: two septets each.
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// How many SMS parts a text takes: 160 characters in one (153 a part when split) in the GSM
/// alphabet; any other character (`ç`, `ê`, `—`, `’`) and the whole text goes in UCS-2, 70 in
/// one (67 a part), counted in UTF-16 units.
pub fn sms_parts(text: &str) -> usize {
    let gsm: Option<usize> = text
        .chars()
        .map(|c| {
            if GSM7.contains(c) {
                Some(1)
            } else if GSM7_EXTENDED.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (length, single, part) = match gsm {
        Some(septets) => (septets, 160, 153),
        None => (text.encode_utf16().count(), 70, 67),
    };
    if length <= single {
        1
    } else {
        length.div_ceil(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever a kind tells, there are words for, and the notify queue hears of it.
    #[test]
    fn every_event_a_kind_tells_has_its_words_and_its_queue() {
        use crate::domain::DocumentKind;
        let catalogue = crate::catalogue::Catalogue::default_catalogue();
        for kind in [
            DocumentKind::CRIMINAL_RECORD_EXTRACT,
            DocumentKind::NATIONALITY_CERTIFICATE,
            DocumentKind::VISA,
        ] {
            let k = catalogue.kind(kind).unwrap();
            for event in k.notified() {
                assert!(
                    crate::domain::NOTIFY.types.contains(event),
                    "{kind}: {event}"
                );
                let about = About {
                    event: *event,
                    reference: "GCH-X",
                    link: "https://guichet.ml/",
                };
                assert!(compose(&about).is_some(), "{kind}: {event} has no words");
            }
        }
        let visa = catalogue.kind(DocumentKind::VISA).unwrap();
        assert!(visa.notified().contains(&EventType::Crossed));
    }

    #[test]
    fn sms_parts_are_counted_as_operators_bill_them() {
        assert_eq!(sms_parts(&"a".repeat(160)), 1);
        assert_eq!(sms_parts(&"a".repeat(161)), 2);
        assert_eq!(sms_parts(&"é".repeat(160)), 1, "é is in the GSM alphabet");
        assert_eq!(sms_parts(&"ç".repeat(70)), 1, "ç is not: UCS-2");
        assert_eq!(sms_parts(&"ç".repeat(71)), 2);
        assert_eq!(sms_parts(&"ç".repeat(135)), 3);
        assert_eq!(sms_parts(&"€".repeat(80)), 1, "two septets each");
        assert_eq!(sms_parts(&"€".repeat(81)), 2);
    }

    /// Every template, with the longest reference there is, in at most two parts,
    /// in both languages, and naming neither the kind of document nor anything it says.
    #[test]
    fn every_sms_fits_two_parts_in_both_languages() {
        for event in EventType::ALL {
            let about = About {
                event,
                reference: "GCH-XXXXXXXXXX",
                link: "https://guichet.ml/#/applications/01JD0000000000000000000000",
            };
            let Some(c) = compose(&about) else { continue };
            let parts = sms_parts(&c.sms);
            println!(
                "{event}: {} UTF-16 units, {parts} parts: {}",
                c.sms.encode_utf16().count(),
                c.sms
            );
            assert!(parts <= SMS_MAX_PARTS, "{event}: {parts} parts: {}", c.sms);
            for text in [&c.subject, &c.body, &c.sms] {
                assert!(text.contains("GCH-XXXXXXXXXX"), "{text}");
                // Nor a document number, whose prefix is the kind's.
                for kind in ["casier", "Casier", "criminal", "nationalité", "visa", "CJ-"] {
                    assert!(!text.contains(kind), "{event} names the kind: {text}");
                }
            }
            assert!(c.body.contains("Bonjour") && c.body.contains("Hello"));
            assert!(c.body.contains(about.link) && c.body.contains(TEMPLATES_VERSION));
        }
    }
}
