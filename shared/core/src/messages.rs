//! Every text a citizen or a partner reads, in French and in English, in one catalogue.
//!
//! Code names a message by what it means (`Msg::Required`); the wording lives here only, so a
//! translator or a lawyer reviews one file.

use std::fmt;

/// A message in both languages of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bilingual {
    pub fr: String,
    pub en: String,
}

/// What went wrong with one field, or what the service says about a situation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Required,
    /// A sign-in code or PKCE verifier that is not one (RFC 7636's characters and lengths).
    InvalidSignInCode,
    /// Not an https address (or http to this machine).
    InvalidAddress,
    /// The identity provider would not give a token for this code.
    SignInRefused,
    NotEmpty,
    TooLong {
        max: usize,
    },
    WrongType {
        expected: &'static str,
    },
    UnknownField,
    InvalidName,
    InvalidDate,
    /// Well formed, but no such day (1990-02-30).
    NoSuchDate {
        date: String,
    },
    DateInFuture,
    DateTooOld,
    InvalidNina,
    InvalidEmail,
    InvalidPhone,
    InvalidCountry,
    /// `offered`: the kinds that can be asked for, comma separated.
    UnknownKind {
        offered: String,
    },
    KindNotOffered {
        offered: String,
    },
    UnknownDecision,
    ReasonRequired,
    RecordRequired,
    RecordNotExpected,
    InvalidDocumentNumber,
    InvalidSeal,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    /// A request that creates something came without its `Idempotency-Key`.
    IdempotencyKeyRequired,
    InvalidAmount,
    WrongStatus {
        status: &'static str,
    },
    UnknownQueueStatus,
    /// A page size out of bounds.
    PageLimit {
        max: usize,
    },
    /// A page cursor this service did not give.
    InvalidPageCursor,
    /// An answer to a request for information that says nothing.
    EmptyAnswer,
    /// A cancellation of an application past the point where it can be.
    NotCancellable {
        status: &'static str,
    },
    /// A contact change with neither an email nor a phone.
    ContactRequired,
    /// What a refused applicant can do, and whom to ask.
    HowToContest(Box<crate::catalogue::Office>),
    /// What an offline check cannot know.
    RevocationNotCheckedOffline,
    /// A request's body that is JSON but not an object.
    BodyNotAnObject,
    /// A key written twice in one object of the body.
    DuplicateField,
    /// A PDF with no seal in it (not one Guichet issued, or its metadata stripped).
    NoSealInPdf,
    /// An upload URL this service did not sign, or one altered since.
    UploadLinkInvalid,
    /// A partner system whose state is not one of the AES partners the catalogue lists.
    NotAnAesPartner {
        partners: String,
    },
    /// A border officer whose account names no border post the catalogue knows.
    UnknownBorderPost {
        post: String,
    },
    /// A staff account the identity provider gave no office.
    NoOfficeOnAccount,
    /// A preflight from a page the service does not serve.
    OriginNotAllowed,
    /// An action of a kind whose workflow has no step of that action: its steps, and how each is
    /// acted on.
    NoStepOfThatKind {
        steps: String,
    },
    /// A work queue's search that is neither a reference nor a document number.
    UnknownSearch,
    TooManyConvictions {
        max: usize,
    },
    AlreadyRevoked,
    NotADecider,
    NotASignatory,
    SamePerson,
    UnknownSignature,
    ContentNotExpected {
        field: &'static str,
    },
    UnknownChoice {
        choices: String,
    },
    ParentRequired,
    ParentNotExpected,
    ParentBornAfterChild,
    BasisDisagreesWithBirthPlace,
    InvalidSha256,
    UnknownAttachment {
        names: String,
    },
    ContentTypeNotAccepted {
        types: String,
    },
    FileTooLarge {
        max: u64,
    },
    AttachmentAccepted,
    AttachmentsMissing {
        names: String,
    },
    AttachmentRefused(crate::domain::Refusal),
    UploadExpired,
    UploadSizeDiffers,
    UploadTypeDiffers,
    UploadReceived,
    OutOfRange {
        min: i64,
        max: i64,
    },
    ItemCount {
        min: usize,
        max: usize,
    },
    InvalidRegistrationNumber,
    NoticeUnsigned,
    NoticeSignatureStale {
        window_seconds: i64,
    },
    NoticeSignatureWrong,
    PictureUnreadable,
    PictureTooLarge {
        max_megapixels: u64,
    },
    NoSealInPicture,
    /// `offered`: the payment providers a payment can be started with here, comma separated.
    ProviderNotOffered {
        offered: String,
    },
    /// A payment is started only for an application that waits for one.
    NotAwaitingPayment,
    /// Online: the registry holds the document a file claims to be, and the file is not it.
    FileModified,
    /// Offline: the seal is genuine, the file's own signature is not.
    FileNotTheIssuedOne,
    /// Offline: the seal is genuine, and the file predates files' own signatures.
    FileIssuedBeforeSignatures,
    InvalidPassportNumber,
    InvalidNationality,
    /// A passport's machine-readable zone is not two lines of 44 MRZ characters.
    MrzShape,
    /// The zone is a TD3 but not a passport's (its first cell is not `P`).
    MrzNotAPassport,
    MrzCheckDigit {
        part: MrzPart,
    },
    /// The zone holds a date no calendar has.
    MrzDateInvalid,
    /// A typed field differs from the zone, which says `mrz`.
    DisagreesWithMrz {
        mrz: String,
    },
    /// The applicant's name differs from the passport's, which is `passport`.
    DisagreesWithPassport {
        passport: String,
    },
    DateInPast,
    DepartureBeforeArrival,
    StayTooLong {
        max_days: u32,
    },
    /// The passport ends less than six months after the departure (`YYYY-MM-DD`).
    PassportExpiresTooSoon {
        departure: String,
    },
    /// What an applicant reads of a refusal decided in a step kept from them (screening).
    ApplicationRefused,
    /// A screening step was referred: only the role it went to may act on it now.
    StepReferred,
    NotAScreener,
    UnknownScreeningOutcome,
    /// The matching against the list has not run yet: nothing to clear or deny.
    ScreeningPending,
    /// A national of a state whose nationals enter Mali without a visa (ECOWAS, AES).
    VisaNotRequired {
        nationality: String,
    },
    UnknownStep {
        steps: String,
    },
    /// A seal that verifies, of a document that is not a visa.
    NotAVisa,
    /// A feed cursor that is not one the feed gave.
    InvalidCursor,
    CrossingRefused(crate::domain::CrossingRefusal),
    /// Not a verification code as printed (eight letters and digits, `7KQ2-M9XD`).
    InvalidVerificationCode,
    /// Give either the seal, or the number and the code.
    SealOrNumberAndCode,
    /// A field of a provider's notice that is not what the provider sends.
    InvalidNoticeField,
    /// Signing and revoking need a sign-in with a second factor.
    SecondFactorRequired,
    /// The development sign-in's key was missing or wrong.
    DevSignInKey,
    /// The development sign-in answers only requests addressed to this machine by name.
    DevSignInHost,
    /// A field an answer may not change once the application is paid (what its fee or its
    /// office depends on).
    FixedOncePaid,
    /// The problem's detail for `FixedOncePaid`: `fields`, comma separated.
    PaidTermsFixed {
        fields: String,
    },
    /// The issue step's refusal: the terms decided cost more than what was paid.
    TermsExceedPayment,
}

/// The parts of a passport's zone a check digit covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrzPart {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    PersonalNumber,
    /// The final digit, over the number, the dates and the personal number together.
    Composite,
}

impl MrzPart {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            MrzPart::DocumentNumber => ("du numéro de passeport", "of the passport number"),
            MrzPart::BirthDate => ("de la date de naissance", "of the birth date"),
            MrzPart::ExpiryDate => ("de la date d'expiration", "of the expiry date"),
            MrzPart::PersonalNumber => ("du numéro personnel", "of the personal number"),
            MrzPart::Composite => (
                "final de la ligne 2 (numéro, dates et numéro personnel)",
                "at the end of line 2 (number, dates and personal number)",
            ),
        }
    }
}

impl Msg {
    pub fn bilingual(&self) -> Bilingual {
        let (fr, en) = match self {
            Msg::Required => ("Ce champ est obligatoire.".into(), "This field is required.".into()),
            Msg::InvalidSignInCode => (
                "Code de connexion illisible : reconnectez-vous.".into(),
                "Unreadable sign-in code: sign in again.".into(),
            ),
            Msg::InvalidAddress => (
                "Adresse invalide : une adresse https.".into(),
                "Invalid address: an https address.".into(),
            ),
            Msg::SignInRefused => (
                "Le fournisseur d'identité a refusé cette connexion (code déjà utilisé ou expiré) : reconnectez-vous.".into(),
                "The identity provider refused this sign-in (code used or expired): sign in again.".into(),
            ),
            Msg::NotEmpty => ("Ce champ ne peut pas être vide.".into(), "This field cannot be empty.".into()),
            Msg::TooLong { max } => (
                format!("Ce champ ne peut pas dépasser {max} caractères."),
                format!("This field cannot be longer than {max} characters."),
            ),
            Msg::WrongType { expected } => (
                format!("Type de valeur incorrect : {} attendu.", french_type(expected)),
                format!("Wrong type of value: {expected} expected."),
            ),
            Msg::UnknownField => ("Champ inconnu.".into(), "Unknown field.".into()),
            Msg::InvalidName => (
                "Seuls les lettres, les espaces, les traits d'union et les apostrophes sont acceptés.".into(),
                "Only letters, spaces, hyphens and apostrophes are accepted.".into(),
            ),
            Msg::InvalidDate => (
                "Date invalide : utilisez le format AAAA-MM-JJ.".into(),
                "Invalid date: use the YYYY-MM-DD format.".into(),
            ),
            Msg::NoSuchDate { date } => (
                format!("Cette date n'existe pas : {date} (vérifiez le jour et le mois)."),
                format!("This date does not exist: {date} (check the day and the month)."),
            ),
            Msg::DateInFuture => (
                "La date ne peut pas être dans le futur.".into(),
                "The date cannot be in the future.".into(),
            ),
            Msg::DateTooOld => (
                "La date ne peut pas être antérieure au 1er janvier 1900.".into(),
                "The date cannot be before 1 January 1900.".into(),
            ),
            Msg::InvalidNina => (
                "NINA invalide : 14 chiffres suivis d'une lettre.".into(),
                "Invalid NINA: 14 digits followed by a letter.".into(),
            ),
            Msg::InvalidEmail => ("Adresse électronique invalide.".into(), "Invalid email address.".into()),
            Msg::InvalidPhone => (
                "Numéro de téléphone invalide : un numéro malien à 8 chiffres (70 12 34 56), ou d'un autre pays après + ou 00 (+33 6 12 34 56 78).".into(),
                "Invalid phone number: a Malian number of 8 digits (70 12 34 56), or another country's after + or 00 (+33 6 12 34 56 78).".into(),
            ),
            Msg::InvalidCountry => (
                "Pays invalide : code ISO à deux lettres, par exemple ML.".into(),
                "Invalid country: two-letter ISO code, for example ML.".into(),
            ),
            Msg::UnknownKind { offered } if offered.is_empty() => {
                ("Type de document inconnu.".into(), "Unknown document kind.".into())
            }
            Msg::UnknownKind { offered } => (
                format!("Type de document inconnu. Documents demandables en ligne : {offered}."),
                format!("Unknown document kind. Documents that can be requested online: {offered}."),
            ),
            Msg::KindNotOffered { offered } => (
                format!(
                    "Ce document ne peut pas encore être demandé en ligne. Documents demandables en ligne : {offered}."
                ),
                format!(
                    "This document cannot be requested online yet. Documents that can be requested online: {offered}."
                ),
            ),
            Msg::UnknownDecision => (
                "Décision inconnue : approve, reject ou request_info.".into(),
                "Unknown decision: approve, reject or request_info.".into(),
            ),
            Msg::ReasonRequired => (
                "Un motif est obligatoire pour cette décision.".into(),
                "A reason is required for this decision.".into(),
            ),
            Msg::RecordRequired => (
                "Le contenu du bulletin est obligatoire pour approuver (liste vide pour « Néant »).".into(),
                "The extract's content is required to approve (an empty list for \"Néant\").".into(),
            ),
            Msg::RecordNotExpected => (
                "Un contenu n'est attendu que pour une approbation.".into(),
                "A record is only expected with an approval.".into(),
            ),
            Msg::InvalidDocumentNumber => (
                "Numéro de document invalide : vérifiez la saisie (ex. CJ-2026-000123-7).".into(),
                "Invalid document number: check what you typed (e.g. CJ-2026-000123-7).".into(),
            ),
            Msg::AlreadyRevoked => (
                "Ce document est déjà révoqué ; la première révocation fait foi.".into(),
                "This document is revoked already; the first revocation stands.".into(),
            ),
            Msg::InvalidSeal => (
                "Le sceau ne peut pas être lu : il doit commencer par GCH1:.".into(),
                "The seal cannot be read: it must start with GCH1:.".into(),
            ),
            Msg::IdempotencyKeyReused => (
                "Cette clé d'idempotence a déjà servi pour une autre demande.".into(),
                "This idempotency key was already used for a different request.".into(),
            ),
            Msg::IdempotencyKeyRequired => (
                "En-tête Idempotency-Key obligatoire : une valeur unique par demande (un UUID), renvoyée telle quelle si la demande est répétée, pour qu'elle ne soit jamais faite deux fois.".into(),
                "The Idempotency-Key header is required: a unique value per request (a UUID), sent again as it was when the request is repeated, so it is never done twice.".into(),
            ),
            Msg::InvalidIdempotencyKey => (
                "Clé d'idempotence invalide : 1 à 128 caractères visibles.".into(),
                "Invalid idempotency key: 1 to 128 visible characters.".into(),
            ),
            Msg::InvalidAmount => (
                "Montant illisible : un nombre entier de francs CFA.".into(),
                "Unreadable amount: a whole number of CFA francs.".into(),
            ),
            Msg::WrongStatus { status } => (
                format!("Impossible dans l'état actuel de la demande ({status})."),
                format!("Not possible in the application's current status ({status})."),
            ),
            Msg::UnknownQueueStatus => (
                "Statut inconnu pour une file de travail.".into(),
                "Unknown status for a work queue.".into(),
            ),
            Msg::PageLimit { max } => (
                format!("Une page compte de 1 à {max} éléments."),
                format!("A page holds 1 to {max} items."),
            ),
            Msg::InvalidPageCursor => (
                "Ce curseur n'a pas été donné par ce service : reprenez la liste depuis le début.".into(),
                "This cursor was not given by this service: start the list again.".into(),
            ),
            Msg::EmptyAnswer => (
                "Votre réponse est vide : écrivez un message, corrigez la demande ou joignez une nouvelle pièce.".into(),
                "Your answer is empty: write a message, correct the application or join a new file.".into(),
            ),
            Msg::NotCancellable { status } => (
                format!("Cette demande ne peut plus être annulée ({status}) : seule une demande pas encore payée, ou à laquelle le service a demandé une précision, peut l'être."),
                format!("This application can no longer be cancelled ({status}): only one not paid yet, or one the office asked about, can be."),
            ),
            Msg::ContactRequired => (
                "Donnez un courriel ou un téléphone (ou les deux).".into(),
                "Give an email or a phone (or both).".into(),
            ),
            Msg::HowToContest(o) => {
                let office = &o.name;
                let reach = |at: &str| {
                    let place = o.address.clone().unwrap_or_else(|| format!("{at} {}", o.city));
                    match &o.contact {
                        Some(c) => format!(", {place} ({c})"),
                        None => format!(", {place}"),
                    }
                };
                (
                    format!("Pour contester cette décision, adressez-vous à {office}{}, en citant la référence de la demande.", reach("à")),
                    format!("To contest this decision, write to {office}{}, quoting the application's reference.", reach("in")),
                )
            }
            Msg::RevocationNotCheckedOffline => (
                "Révocation NON vérifiée : hors ligne, on ne peut pas savoir si le document a été révoqué. Vérifiez-le en ligne (la page de vérification, ou POST /v1/verify).".into(),
                "Revocation NOT checked: offline, nobody can tell whether the document was revoked. Check it online (the verify page, or POST /v1/verify).".into(),
            ),
            Msg::BodyNotAnObject => (
                "Le corps de la requête doit être un objet JSON ({ … }), pas un tableau ni une valeur seule.".into(),
                "The request's body must be a JSON object ({ … }), not an array or a single value.".into(),
            ),
            Msg::DuplicateField => (
                "Ce champ est écrit deux fois : gardez-en un seul.".into(),
                "This field is written twice: keep only one.".into(),
            ),
            Msg::NoSealInPdf => (
                "Ce PDF ne porte pas de sceau Guichet : ce n'est pas un document délivré par Guichet, ou il a été réenregistré sans ses métadonnées. Vérifiez le fichier reçu, ou scannez son code QR.".into(),
                "This PDF carries no Guichet seal: it is not a document Guichet issued, or it was saved again without its metadata. Check the file you received, or scan its QR code.".into(),
            ),
            Msg::UploadLinkInvalid => (
                "Ce lien d'envoi n'a pas été donné par ce service, ou il a été modifié : annoncez le fichier à nouveau pour obtenir un lien.".into(),
                "This upload link was not given by this service, or it was altered: announce the file again to get a link.".into(),
            ),
            Msg::NotAnAesPartner { partners } => (
                format!("Ce système n'est pas celui d'un État partenaire de l'AES ({partners}) : le flux des visas AES leur est réservé. Le jeton doit nommer l'État (state)."),
                format!("This system is not an AES partner state's ({partners}): the AES visa feed is theirs alone. The token must name the state (state)."),
            ),
            Msg::UnknownBorderPost { post } => (
                format!("« {post} » n'est pas un poste frontière du catalogue : le compte de l'agent doit être rattaché à un poste (PAF-…)."),
                format!("\"{post}\" is not a border post of the catalogue: the officer's account must name a post (PAF-…)."),
            ),
            Msg::NoOfficeOnAccount => (
                "Votre compte n'est rattaché à aucun service : demandez à l'administrateur de vous y rattacher.".into(),
                "Your account names no office: ask the administrator to attach you to one.".into(),
            ),
            Msg::OriginNotAllowed => (
                "Cette page n'est pas autorisée à appeler l'API : seules les pages du service et les origines que l'opérateur a listées le sont.".into(),
                "This page may not call the API: only the service's own pages and the origins the operator listed may.".into(),
            ),
            Msg::NoStepOfThatKind { steps } => (
                format!("Ce type de demande n'a pas d'étape qui se fait ainsi. Ses étapes : {steps}."),
                format!("This kind of application has no step acted on this way. Its steps: {steps}."),
            ),
            Msg::UnknownSearch => (
                "Saisissez la référence d'un dossier (GCH- suivi de 10 caractères) ou un numéro de document (ex. CJ-2026-000123-7).".into(),
                "Enter an application's reference (GCH- and 10 characters) or a document number (e.g. CJ-2026-000123-7).".into(),
            ),
            Msg::NotADecider => (
                "Votre rôle ne permet pas de décider de ce type de demande : c'est l'étape d'un autre agent.".into(),
                "Your role cannot decide this kind of application: that step is another officer's.".into(),
            ),
            Msg::NotASignatory => (
                "Seul un signataire de l'office (rôle signatory) peut signer.".into(),
                "Only a signatory of the office (role signatory) can sign.".into(),
            ),
            Msg::SamePerson => (
                "La personne qui a proposé la décision ne peut pas la signer : un second agent doit signer.".into(),
                "The person who proposed the decision cannot sign it: a second officer must sign.".into(),
            ),
            Msg::UnknownSignature => (
                "Décision de signature inconnue : « sign » ou « refuse ».".into(),
                "Unknown signature decision: \"sign\" or \"refuse\".".into(),
            ),
            Msg::ContentNotExpected { field } => (
                format!("Ce type de document ne prend pas « {field} »."),
                format!("This kind of document takes no \"{field}\"."),
            ),
            Msg::OutOfRange { min, max } => (
                format!("La valeur doit être comprise entre {min} et {max}."),
                format!("The value must be between {min} and {max}."),
            ),
            Msg::ItemCount { min, max } => (
                format!("La liste doit compter de {min} à {max} éléments."),
                format!("The list must hold {min} to {max} items."),
            ),
            Msg::InvalidRegistrationNumber => (
                "Numéro d'immatriculation invalide : lettres, chiffres, points, barres obliques, traits d'union et espaces seulement.".into(),
                "Invalid registration number: letters, digits, dots, slashes, hyphens and spaces only.".into(),
            ),
            Msg::PictureUnreadable => (
                "Image illisible : envoyez un fichier PNG ou JPEG entier.".into(),
                "Unreadable picture: send a whole PNG or JPEG file.".into(),
            ),
            Msg::PictureTooLarge { max_megapixels } => (
                format!("Image trop grande : {max_megapixels} millions de pixels au plus ; le code QR se lit très bien sur une image plus petite."),
                format!("Picture too large: {max_megapixels} million pixels at most; the QR code reads well on a smaller picture."),
            ),
            Msg::FileModified => (
                "Ce document existe dans le registre, mais ce fichier n'est pas celui qui a été délivré : il a été modifié après sa délivrance. Ne vous fiez qu'à ce que dit le registre (ci-dessus), et demandez le fichier original.".into(),
                "This document exists in the registry, but this file is not the one that was issued: it was changed after issue. Rely only on what the registry says (above), and ask for the original file.".into(),
            ),
            Msg::FileNotTheIssuedOne => (
                "Le sceau est authentique, mais ce fichier n'est pas celui qui a été délivré. Comparez le texte imprimé avec ce que dit le sceau (ci-dessous) : seul le sceau fait foi.".into(),
                "The seal is genuine, but this file is not the one that was issued. Compare the printed text with what the seal says (below): only the seal is authoritative.".into(),
            ),
            Msg::InvalidPassportNumber => (
                "Numéro de passeport invalide : de 1 à 20 lettres et chiffres, tel qu'imprimé.".into(),
                "Invalid passport number: 1 to 20 letters and digits, as printed.".into(),
            ),
            Msg::InvalidNationality => (
                "Nationalité invalide : le code à trois lettres de la MRZ du passeport (FRA, USA, D<<).".into(),
                "Invalid nationality: the three-letter code of the passport's MRZ (FRA, USA, D<<).".into(),
            ),
            Msg::MrzShape => (
                "La bande lisible par machine (MRZ) d'un passeport compte deux lignes de 44 caractères (lettres, chiffres et <) : recopiez-les ligne par ligne.".into(),
                "A passport's machine-readable zone (MRZ) is two lines of 44 characters (letters, digits and <): copy them line by line.".into(),
            ),
            Msg::MrzNotAPassport => (
                "Cette MRZ n'est pas celle d'un passeport : sa première ligne commence par P.".into(),
                "This MRZ is not a passport's: its first line starts with P.".into(),
            ),
            Msg::MrzCheckDigit { part } => {
                let (fr, en) = part.names();
                (
                    format!("Le chiffre de contrôle {fr} ne correspond pas dans la MRZ : vérifiez ces caractères un à un."),
                    format!("The check digit {en} does not match in the MRZ: check those characters one by one."),
                )
            }
            Msg::MrzDateInvalid => (
                "La MRZ porte une date qui n'existe pas : vérifiez les dates de naissance et d'expiration.".into(),
                "The MRZ holds a date that does not exist: check the birth and expiry dates.".into(),
            ),
            Msg::DisagreesWithMrz { mrz } => (
                format!("Ne correspond pas à la MRZ du passeport, qui indique « {mrz} »."),
                format!("Does not match the passport's MRZ, which reads \"{mrz}\"."),
            ),
            Msg::DisagreesWithPassport { passport } => (
                format!("Doit être celui du passeport, qui indique « {passport} » : le demandeur est le voyageur."),
                format!("Must be the passport's, which reads \"{passport}\": the applicant is the traveller."),
            ),
            Msg::DateInPast => (
                "Cette date est passée.".into(),
                "This date has passed.".into(),
            ),
            Msg::DepartureBeforeArrival => (
                "La date de départ précède la date d'arrivée.".into(),
                "The departure date is before the arrival date.".into(),
            ),
            Msg::StayTooLong { max_days } => (
                format!("Séjour trop long : ce type de visa permet {max_days} jours au plus, jours d'arrivée et de départ compris."),
                format!("Stay too long: this type of visa allows {max_days} days at most, the days of arrival and departure included."),
            ),
            Msg::PassportExpiresTooSoon { departure } => (
                format!("Le passeport doit rester valable au moins six mois après le départ ({departure}) : renouvelez-le avant de demander le visa."),
                format!("The passport must remain valid at least six months after the departure ({departure}): renew it before applying for the visa."),
            ),
            Msg::FileIssuedBeforeSignatures => (
                "Ce fichier a été délivré avant que les fichiers ne soient signés : seul le sceau est vérifié. Comparez le texte imprimé avec ce que dit le sceau (ci-dessus).".into(),
                "This file was issued before files were signed: only the seal is checked. Compare the printed text with what the seal says (above).".into(),
            ),
            Msg::ProviderNotOffered { offered } => (
                format!("Ce moyen de paiement n'est pas proposé ici. Moyens proposés : {offered}."),
                format!("This means of payment is not offered here. Offered: {offered}."),
            ),
            Msg::NotAwaitingPayment => (
                "Cette demande n'attend pas de paiement : elle est déjà payée, expirée ou annulée.".into(),
                "This application is not waiting for a payment: it is paid already, expired or cancelled.".into(),
            ),
            Msg::NoSealInPicture => (
                "Aucun code QR Guichet n'a pu être lu sur cette image : cadrez le code QR entier, net et bien éclairé, ou saisissez le numéro du document.".into(),
                "No Guichet QR code could be read in this picture: frame the whole QR code, sharp and well lit, or enter the document's number.".into(),
            ),
            Msg::NoticeUnsigned => (
                "Notification de paiement non signée : l'en-tête de signature du fournisseur manque ou ne se lit pas.".into(),
                "Unsigned payment notice: the provider's signature header is missing or unreadable.".into(),
            ),
            Msg::NoticeSignatureStale { window_seconds } => (
                format!(
                    "Notification de paiement trop ancienne ou datée dans le futur : sa signature doit dater de moins de {} minutes.",
                    window_seconds / 60
                ),
                format!(
                    "Payment notice too old or dated in the future: its signature must be less than {} minutes old.",
                    window_seconds / 60
                ),
            ),
            Msg::NoticeSignatureWrong => (
                "La signature de la notification de paiement ne correspond pas : rien n'a été enregistré.".into(),
                "The payment notice's signature does not match: nothing was recorded.".into(),
            ),
            Msg::UnknownChoice { choices } => (
                format!("Valeur inconnue : choisissez parmi {choices}."),
                format!("Unknown value: choose one of {choices}."),
            ),
            Msg::ParentRequired => (
                "Le parent malien est obligatoire pour ce fondement.".into(),
                "The Malian parent is required for this basis.".into(),
            ),
            Msg::ParentNotExpected => (
                "Un parent n'est demandé que pour la nationalité par filiation.".into(),
                "A parent is only asked for nationality by descent.".into(),
            ),
            Msg::ParentBornAfterChild => (
                "Le parent doit être né avant le demandeur.".into(),
                "The parent must be born before the applicant.".into(),
            ),
            Msg::BasisDisagreesWithBirthPlace => (
                "Ce fondement ne correspond pas au lieu de naissance déclaré (au Mali ou à l'étranger).".into(),
                "This basis does not match the declared place of birth (in Mali or abroad).".into(),
            ),
            Msg::InvalidSha256 => (
                "Empreinte SHA-256 invalide : 64 chiffres hexadécimaux.".into(),
                "Invalid SHA-256: 64 hexadecimal digits.".into(),
            ),
            Msg::UnknownAttachment { names } => (
                format!("Pièce inconnue pour ce document : attendues {names}."),
                format!("Unknown attachment for this document: expected {names}."),
            ),
            Msg::ContentTypeNotAccepted { types } => (
                format!("Type de fichier non accepté : {types}."),
                format!("File type not accepted: {types}."),
            ),
            Msg::FileTooLarge { max } => (
                format!("Fichier trop volumineux : au plus {} Mo.", max / (1024 * 1024)),
                format!("File too large: at most {} MB.", max / (1024 * 1024)),
            ),
            Msg::AttachmentAccepted => (
                "Une pièce de ce nom est déjà acceptée.".into(),
                "An attachment of that name is accepted already.".into(),
            ),
            Msg::InvalidVerificationCode => (
                "Saisissez le code de vérification tel qu'il est imprimé à côté du numéro : huit lettres et chiffres, par exemple 7KQ2-M9XD.".into(),
                "Type the verification code as printed beside the number: eight letters and digits, for example 7KQ2-M9XD.".into(),
            ),
            Msg::SealOrNumberAndCode => (
                "Donnez soit le texte du code QR (seal), soit le numéro et le code de vérification imprimés sur le document.".into(),
                "Give either the QR code's text (seal), or the number and the verification code printed on the document.".into(),
            ),
            Msg::InvalidNoticeField => (
                "Champ de l'avis de paiement mal formé.".into(),
                "Malformed field in the payment notice.".into(),
            ),
            Msg::SecondFactorRequired => (
                "Signer ou révoquer demande une connexion avec un second facteur (code à usage unique, clé de sécurité) : reconnectez-vous avec lui.".into(),
                "Signing or revoking needs a sign-in with a second factor (a one-time code, a security key): sign in again with it.".into(),
            ),
            Msg::DevSignInKey => (
                "Clé de connexion de développement absente ou fausse : `guichet serve` l'affiche au démarrage, et ses liens vers le portail et la console la portent.".into(),
                "Development sign-in key missing or wrong: `guichet serve` prints it at start, and its links to the portal and the console carry it.".into(),
            ),
            Msg::DevSignInHost => (
                "La connexion de développement ne répond qu'aux adresses de cette machine (127.0.0.1, localhost, [::1]).".into(),
                "The development sign-in answers only this machine's own addresses (127.0.0.1, localhost, [::1]).".into(),
            ),
            Msg::FixedOncePaid => (
                "Ne peut plus changer : la demande est payée. Annulez-la et faites une nouvelle demande.".into(),
                "Cannot change: the application is paid. Cancel it and apply again.".into(),
            ),
            Msg::PaidTermsFixed { fields } => (
                format!("La demande est payée : son tarif et son bureau ne changent plus ({fields}). Pour un autre tarif ou un autre bureau, annulez-la et faites une nouvelle demande."),
                format!("The application is paid: its fee and its office no longer change ({fields}). For another fee or another office, cancel it and apply again."),
            ),
            Msg::TermsExceedPayment => (
                "Les conditions décidées coûtent plus que le montant payé : document non délivré.".into(),
                "The terms decided cost more than was paid: no document issued.".into(),
            ),
            Msg::AttachmentsMissing { names } => (
                format!("Pièces à joindre avant l'examen : {names}."),
                format!("Attachments to join before review: {names}."),
            ),
            Msg::AttachmentRefused(r) => {
                use crate::domain::Refusal::*;
                match r {
                    NotThatType => (
                        "Fichier refusé : ce n'est pas un PDF, un JPEG ou un PNG du type annoncé.".into(),
                        "File refused: not a PDF, JPEG or PNG of the type announced.".into(),
                    ),
                    TooLarge => (
                        "Fichier refusé : trop volumineux.".into(),
                        "File refused: too large.".into(),
                    ),
                    SizeDiffers => (
                        "Fichier refusé : sa taille n'est pas celle annoncée.".into(),
                        "File refused: its size is not the one announced.".into(),
                    ),
                    HashDiffers => (
                        "Fichier refusé : son empreinte SHA-256 n'est pas celle annoncée (fichier altéré ou incomplet).".into(),
                        "File refused: its SHA-256 is not the one announced (altered or incomplete file).".into(),
                    ),
                    Late => (
                        "Fichier refusé : arrivé après l'expiration du lien d'envoi ; demandez un nouveau lien.".into(),
                        "File refused: it arrived after the upload link expired; ask for a new link.".into(),
                    ),
                }
            }
            Msg::UploadExpired => (
                "Ce lien d'envoi a expiré : annoncez la pièce à nouveau pour en obtenir un autre.".into(),
                "This upload link has expired: announce the attachment again for a new one.".into(),
            ),
            Msg::UploadSizeDiffers => (
                "Le fichier envoyé n'a pas la taille annoncée.".into(),
                "The file sent is not the size announced.".into(),
            ),
            Msg::UploadReceived => (
                "Ce fichier a déjà été reçu : pour le remplacer, annoncez la pièce à nouveau.".into(),
                "This file was received already: to replace it, announce the attachment again.".into(),
            ),
            Msg::UploadTypeDiffers => (
                "Le type de contenu envoyé n'est pas celui annoncé.".into(),
                "The content type sent is not the one announced.".into(),
            ),
            Msg::ApplicationRefused => (
                "Demande refusée.".into(),
                "Application refused.".into(),
            ),
            Msg::StepReferred => (
                "Cette étape a été transmise à un superviseur : lui seul peut maintenant la trancher.".into(),
                "This step was referred to a supervisor: only they can settle it now.".into(),
            ),
            Msg::NotAScreener => (
                "Seul un agent de l'unité de criblage (rôle screening_officer ou screening_supervisor) peut se prononcer.".into(),
                "Only staff of the screening unit (role screening_officer or screening_supervisor) can decide this.".into(),
            ),
            Msg::UnknownScreeningOutcome => (
                "Résultat inconnu : « clear », « refer » ou « deny ».".into(),
                "Unknown outcome: \"clear\", \"refer\" or \"deny\".".into(),
            ),
            Msg::ScreeningPending => (
                "La comparaison avec la liste de surveillance n'a pas encore eu lieu : réessayez dans un instant.".into(),
                "The watchlist matching has not run yet: try again in a moment.".into(),
            ),
            Msg::VisaNotRequired { nationality } => (
                format!("Les ressortissants de cet État ({nationality}) entrent au Mali sans visa (CEDEAO, AES) : aucune demande n'est nécessaire et rien n'a été facturé."),
                format!("Nationals of this state ({nationality}) enter Mali without a visa (ECOWAS, AES): no application is needed and nothing was charged."),
            ),
            Msg::InvalidCursor => (
                "Curseur invalide : reprenez avec la valeur « next » de la dernière lecture, ou sans curseur depuis le début.".into(),
                "Invalid cursor: go on with the \"next\" value of the last read, or with none from the start.".into(),
            ),
            Msg::NotAVisa => (
                "Ce document n'est pas un visa.".into(),
                "This document is not a visa.".into(),
            ),
            Msg::CrossingRefused(r) => {
                use crate::domain::CrossingRefusal::*;
                let day = |d: &time::Date| crate::domain::format_iso_date(*d);
                match r {
                    SecondEntry { on, post } => (
                        format!("Entrée refusée : ce visa à entrée unique a déjà servi, entrée le {} à {post}.", day(on)),
                        format!("Entry refused: this single-entry visa was used already, entry on {} at {post}.", day(on)),
                    ),
                    NotYetValid { from } => (
                        format!("Entrée refusée : ce visa n'est valable qu'à partir du {}.", day(from)),
                        format!("Entry refused: this visa is valid only from {}.", day(from)),
                    ),
                    Expired { on } => (
                        format!("Entrée refusée : ce visa a expiré le {}.", day(on)),
                        format!("Entry refused: this visa expired on {}.", day(on)),
                    ),
                    Revoked => (
                        "Entrée refusée : ce visa a été révoqué.".into(),
                        "Entry refused: this visa was revoked.".into(),
                    ),
                    WrongPassport => (
                        "Entrée refusée : ce visa n'a pas été délivré sur ce passeport.".into(),
                        "Entry refused: this visa was not issued on this passport.".into(),
                    ),
                }
            }
            Msg::UnknownStep { steps } => (
                format!("Étape inconnue ; étapes possibles : {steps}."),
                format!("Unknown step; possible steps: {steps}."),
            ),
            Msg::TooManyConvictions { max } => (
                format!("Au plus {max} condamnations par bulletin."),
                format!("At most {max} convictions per extract."),
            ),
        };
        Bilingual { fr, en }
    }
}

fn french_type(expected: &str) -> &str {
    match expected {
        "string" => "texte",
        "object" => "objet",
        "array" => "liste",
        "integer" => "nombre entier",
        other => other,
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.bilingual().en)
    }
}

/// Titles of the problem types a client can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemTitle {
    Malformed,
    Invalid,
    NotNeeded,
    CrossingRefused,
    TooLarge,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    UnsupportedMediaType,
    InvalidSignature,
    Internal,
    Unavailable,
    TooManyRequests,
    ProviderUnavailable,
    FixedOncePaid,
    IdempotencyKeyRequired,
}

impl ProblemTitle {
    pub fn bilingual(self) -> Bilingual {
        let (fr, en) = match self {
            ProblemTitle::Malformed => ("Requête mal formée", "Malformed request"),
            ProblemTitle::Invalid => ("Données invalides", "Invalid data"),
            ProblemTitle::NotNeeded => ("Demande inutile", "No application needed"),
            ProblemTitle::CrossingRefused => ("Passage refusé", "Crossing refused"),
            ProblemTitle::TooLarge => ("Requête trop volumineuse", "Request too large"),
            ProblemTitle::Unauthenticated => {
                ("Authentification requise", "Authentication required")
            }
            ProblemTitle::Forbidden => ("Accès refusé", "Access denied"),
            ProblemTitle::NotFound => ("Introuvable", "Not found"),
            ProblemTitle::MethodNotAllowed => ("Méthode non autorisée", "Method not allowed"),
            ProblemTitle::Conflict => ("Conflit", "Conflict"),
            ProblemTitle::UnsupportedMediaType => (
                "Type de contenu non pris en charge",
                "Unsupported media type",
            ),
            ProblemTitle::InvalidSignature => ("Signature invalide", "Invalid signature"),
            ProblemTitle::Internal => ("Erreur interne", "Internal error"),
            ProblemTitle::TooManyRequests => ("Trop de requêtes", "Too many requests"),
            ProblemTitle::ProviderUnavailable => (
                "Service de paiement indisponible",
                "Payment service unavailable",
            ),
            ProblemTitle::IdempotencyKeyRequired => {
                ("Clé d'idempotence requise", "Idempotency key required")
            }
            ProblemTitle::FixedOncePaid => (
                "Demande déjà payée : champs figés",
                "Application paid: fields fixed",
            ),
            ProblemTitle::Unavailable => (
                "Service momentanément indisponible",
                "Service temporarily unavailable",
            ),
        };
        Bilingual {
            fr: fr.into(),
            en: en.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_and_they_differ() {
        let all = [
            Msg::Required,
            Msg::TooLong { max: 3 },
            Msg::WrongType { expected: "string" },
            Msg::InvalidDocumentNumber,
            Msg::WrongStatus { status: "issued" },
            Msg::AlreadyRevoked,
            Msg::NotADecider,
            Msg::NotASignatory,
            Msg::SamePerson,
            Msg::UnknownSignature,
            Msg::ContentNotExpected { field: "record" },
            Msg::UnknownChoice {
                choices: "a, b".into(),
            },
            Msg::ParentRequired,
            Msg::ParentNotExpected,
            Msg::ParentBornAfterChild,
            Msg::BasisDisagreesWithBirthPlace,
            Msg::InvalidSha256,
            Msg::UnknownAttachment { names: "a".into() },
            Msg::ContentTypeNotAccepted { types: "a".into() },
            Msg::FileTooLarge { max: 5 << 20 },
            Msg::AttachmentAccepted,
            Msg::AttachmentsMissing { names: "a".into() },
            Msg::AttachmentRefused(crate::domain::Refusal::Late),
            Msg::UploadExpired,
            Msg::UploadSizeDiffers,
            Msg::UploadTypeDiffers,
            Msg::UploadReceived,
            Msg::OutOfRange { min: 1, max: 2 },
            Msg::ItemCount { min: 1, max: 2 },
            Msg::InvalidRegistrationNumber,
            Msg::NoSuchDate {
                date: "1990-02-30".into(),
            },
            Msg::UnknownKind {
                offered: "a, b".into(),
            },
            Msg::KindNotOffered {
                offered: "a, b".into(),
            },
            Msg::NoticeUnsigned,
            Msg::NoticeSignatureStale {
                window_seconds: 300,
            },
            Msg::NoticeSignatureWrong,
            Msg::PictureUnreadable,
            Msg::PictureTooLarge { max_megapixels: 40 },
            Msg::NoSealInPicture,
            Msg::ProviderNotOffered {
                offered: "sandbox".into(),
            },
            Msg::NotAwaitingPayment,
            Msg::ApplicationRefused,
            Msg::StepReferred,
            Msg::NotAScreener,
            Msg::UnknownScreeningOutcome,
            Msg::ScreeningPending,
            Msg::VisaNotRequired {
                nationality: "SEN".into(),
            },
            Msg::UnknownStep { steps: "a".into() },
            Msg::NotAVisa,
            Msg::InvalidCursor,
            Msg::CrossingRefused(crate::domain::CrossingRefusal::Revoked),
            Msg::FixedOncePaid,
            Msg::IdempotencyKeyRequired,
            Msg::DevSignInKey,
            Msg::DevSignInHost,
            Msg::SecondFactorRequired,
            Msg::InvalidNoticeField,
            Msg::InvalidVerificationCode,
            Msg::SealOrNumberAndCode,
            Msg::PaidTermsFixed {
                fields: "details.visa_type".into(),
            },
            Msg::TermsExceedPayment,
        ];
        for m in all {
            let b = m.bilingual();
            assert!(!b.fr.is_empty() && !b.en.is_empty());
            assert_ne!(b.fr, b.en);
        }
    }
}
