//! How two spellings of a name are compared: folded as a passport folds them, then equal, or
//! forms of one name (a table of the transliterations a Sahel consulate meets: Mohamed and
//! Muhammad), or sounding alike, or a typo apart.

/// A name's part as compared: upper-case ASCII letters, accents folded as Doc 9303 folds them.
pub fn tokens(name: &str) -> Vec<String> {
    mrz::transliterate(name, mrz::TransliterationStyle::Simple)
        .chars()
        .map(|c| if c.is_ascii_uppercase() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Forms of one given name, as Arabic names come into French and English (and into Bambara,
/// Fula or Songhai first). A group is one name; a real list's aliases add the rest.
const SYNONYMS: &[&[&str]] = &[
    &[
        "MOHAMED",
        "MOHAMMED",
        "MOHAMMAD",
        "MOHAMAD",
        "MUHAMMAD",
        "MUHAMMED",
        "MUHAMED",
        "MOUHAMED",
        "MOUHAMADOU",
        "MOHAMADOU",
        "MAHAMADOU",
        "MAMADOU",
    ],
    &[
        "OUSMANE", "OUSMAN", "USMAN", "USMANE", "OTHMAN", "OTHMANE", "UTHMAN", "OUTHMANE",
    ],
    &[
        "ABDOULAYE",
        "ABDOULAY",
        "ABDULLAHI",
        "ABDOULLAHI",
        "ABDULLAH",
        "ABDALLAH",
        "ABDALLA",
        "ABDULAHI",
    ],
    &["IBRAHIM", "IBRAHIMA", "BRAHIM", "EBRAHIM", "IBRAHIMA"],
    &["MOUSSA", "MOUSA", "MUSA", "MOUSSAH"],
    &[
        "YOUSSOUF", "YOUSOUF", "YUSUF", "YOUSSEF", "YOUSEF", "YUSSUF",
    ],
    &["OUMAR", "OMAR", "UMAR", "OUMAROU", "OUMARO"],
    &["AMADOU", "AHMADOU", "AHMED", "AHMAD", "HAMADOU"],
    &[
        "SOULEYMANE",
        "SOULEYMAN",
        "SULEIMAN",
        "SULAYMAN",
        "SULEYMAN",
        "SLIMANE",
        "SOULAYMANE",
    ],
    &[
        "BOUBACAR",
        "BOUBAKAR",
        "ABOUBACAR",
        "ABOUBAKAR",
        "ABUBAKAR",
        "ABUBAKR",
        "BAKARY",
    ],
    &["IDRISSA", "IDRISS", "IDRIS", "IDRISA"],
    &["ISMAEL", "ISMAIL", "ISMAILA", "ISMAHIL"],
    &["ALI", "ALY", "ALLY"],
    &["HAMZA", "HAMSA", "HAMZAH"],
    &["FATOUMATA", "FATIMA", "FATMA", "FATOUMA", "FATIMATA"],
    &["AICHA", "AISHA", "AISSATA", "AICHATOU", "AYSHA"],
    &["MARIAM", "MARYAM", "MARIAME", "MERYEM"],
];

/// How two parts of names agree, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Agreement {
    /// The same letters once folded.
    Literal,
    /// Two forms of one name (`SYNONYMS`).
    Synonym,
    /// The same sound: the same consonants in the same order, and close spellings.
    Phonetic,
    /// One typo apart.
    Spelling,
}

impl Agreement {
    pub fn weight(self) -> f64 {
        match self {
            Agreement::Literal => 1.0,
            Agreement::Synonym => 0.95,
            Agreement::Phonetic => 0.9,
            Agreement::Spelling => 0.85,
        }
    }

    pub fn feature(self) -> &'static str {
        match self {
            Agreement::Literal => "name_literal",
            Agreement::Synonym => "name_synonym",
            Agreement::Phonetic => "name_phonetic",
            Agreement::Spelling => "name_spelling",
        }
    }
}

/// The consonants of a part as said: `OU` is `U`, `PH` is `F`, `KH` is `K`, `TH` is `T`; `H`,
/// `W` and `Y` and doubled letters drop; a first vowel stands as one class.
fn skeleton(part: &str) -> String {
    let said = part
        .replace("OU", "U")
        .replace("PH", "F")
        .replace("KH", "K")
        .replace("TH", "T")
        .replace("DH", "D")
        .replace(['Q', 'C'], "K");
    let mut out = String::new();
    for (i, c) in said.chars().enumerate() {
        let class = match c {
            'A' | 'E' | 'I' | 'O' | 'U' if i == 0 => 'A',
            'A' | 'E' | 'I' | 'O' | 'U' | 'H' | 'W' | 'Y' => continue,
            c => c,
        };
        if !out.ends_with(class) {
            out.push(class);
        }
    }
    out
}

/// The keys under which a part is found in a list's index: itself, its name's group (or, for a
/// name the table does not know, its sound), and for a part long enough to be misspelt, itself
/// and every form with one letter dropped. Two parts that `agree` share a key: literal and
/// synonymous parts by construction, sound-alikes by their skeleton, and a typo of one letter
/// (added, dropped, changed, or two swapped) by a form with one letter dropped.
pub fn keys(part: &str) -> Vec<String> {
    let mut keys = vec![format!("T:{part}")];
    match synonym_group(part) {
        Some(g) => keys.push(format!("G:{g}")),
        None if part.len() >= 4 => keys.push(format!("S:{}", skeleton(part))),
        None => {}
    }
    // Four letters too: a five-letter name with one dropped is found from them.
    if part.len() >= 4 {
        keys.push(format!("D:{part}"));
        for i in 0..part.len() {
            // Parts are ASCII (`tokens`): every index is a character boundary.
            let dropped = format!("D:{}{}", &part[..i], &part[i + 1..]);
            if !keys.contains(&dropped) {
                keys.push(dropped);
            }
        }
    }
    keys
}

fn synonym_group(part: &str) -> Option<usize> {
    SYNONYMS.iter().position(|group| group.contains(&part))
}

/// How two folded parts agree, if they do.
pub fn agree(a: &str, b: &str) -> Option<Agreement> {
    if a == b {
        return Some(Agreement::Literal);
    }
    let (group_a, group_b) = (synonym_group(a), synonym_group(b));
    if group_a.is_some() && group_a == group_b {
        return Some(Agreement::Synonym);
    }
    let close = strsim::jaro_winkler(a, b);
    // A name the table knows has its forms there: Mahmoud sounds like Mohamed (one root, ḥ-m-d)
    // and is another name. Short parts sound alike by accident (ALI, ALIOU) too.
    if group_a.is_none()
        && group_b.is_none()
        && a.len().min(b.len()) >= 4
        && skeleton(a) == skeleton(b)
        && close >= 0.8
    {
        return Some(Agreement::Phonetic);
    }
    // A typo: one letter added, dropped, changed or two swapped, in a name of five letters or
    // more (shorter names must be spelt right). One edit, no more: what the index's forms with
    // one letter dropped find, so the index never misses what scoring would accept.
    if a.len().max(b.len()) >= 5 && strsim::osa_distance(a, b) <= 1 {
        return Some(Agreement::Spelling);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_as_passports_fold_them() {
        assert_eq!(
            tokens("Aïssata  Touré-Maïga"),
            ["AISSATA", "TOURE", "MAIGA"]
        );
        assert_eq!(tokens("N'Diaye"), ["N", "DIAYE"]);
    }

    #[test]
    fn forms_of_one_name_agree_and_different_names_do_not() {
        for (a, b) in [
            ("MOHAMED", "MUHAMMAD"),
            ("MOHAMMED", "MOHAMED"),
            ("OUSMANE", "USMAN"),
            ("ABDOULAYE", "ABDULLAHI"),
        ] {
            assert_eq!(agree(a, b), Some(Agreement::Synonym), "{a} {b}");
        }
        assert_eq!(agree("COULIBALY", "KOULIBALY"), Some(Agreement::Phonetic));
        assert_eq!(agree("DIARRA", "DIARA"), Some(Agreement::Phonetic));
        assert_eq!(agree("TRAORE", "TRAOREE"), Some(Agreement::Phonetic));
        // Whatever agrees shares an index key.
        for (a, b) in [
            ("MOHAMED", "MUHAMMAD"),
            ("COULIBALY", "KOULIBALY"),
            ("TRAORE", "TRAOREE"),
            ("DIALLO", "DIALO"),
            ("KOUYATE", "KOUYTAE"),
            ("SANGARE", "SANGARA"),
            ("SMITH", "SMIAH"),
            ("BROWN", "BOWN"),
        ] {
            assert!(agree(a, b).is_some(), "{a} {b}");
            let ka = keys(a);
            assert!(keys(b).iter().any(|k| ka.contains(k)), "{a} {b}");
        }
        for (a, b) in [
            ("MOHAMED", "MAHMOUD"),
            ("TRAORE", "TOURE"),
            ("KEITA", "KONATE"),
            ("ALI", "ALIOU"),
            ("DIALLO", "DIARRA"),
        ] {
            assert_eq!(agree(a, b), None, "{a} {b}");
        }
    }
}
