//! Templates as data: a small declarative layout (title, sections, labelled fields, texts,
//! lists, the signatory's title) that one engine draws inside the common frame (`frame`). A
//! kind's template is a JSON file; its texts name the application's values as `{path}` or
//! `{path|filter}` (`date`: a French date; `label:<table>`: a value's printed words from the
//! template's `labels`). A block whose values are missing is left out, so optional parts (a
//! parent, a NINA) need no condition.

use super::frame::{self, CONTINUED_TOP, LEFT, PAGE_BOTTOM, QR_TOP, RIGHT, STAMP_HEIGHT};
use super::page::{Page, Weight, Wrapped};
use super::{Fonts, french_date};
use guichet_core::domain::{Actor, Holder, parse_iso_date};
use guichet_core::ports::{Printable, RenderError};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const LABEL_WIDTH: f32 = 52.0;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The ministry, one or two lines, above the office's name.
    pub authority: Vec<String>,
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
    /// The signatory's title under the place and date of issue, for a role the catalogue's entry
    /// gives no title (`Service::titles`).
    pub signature: String,
    /// Printed when the document does not expire (`Valable sans limitation de durée`).
    #[serde(default)]
    pub without_expiry: Option<String>,
    /// Printed words for coded values: `labels.basis.marriage`.
    #[serde(default)]
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    Section {
        title: String,
    },
    Text {
        text: String,
        #[serde(default)]
        bold: bool,
        #[serde(default)]
        centred: bool,
        #[serde(default)]
        small: bool,
    },
    Fields {
        rows: Vec<Row>,
    },
    /// One entry per element of the array at `items`, each of `lines` (the first in bold);
    /// `{item.…}` and `{index}` name the element and its place. `empty` stands when there is none.
    List {
        items: String,
        lines: Vec<String>,
        #[serde(default)]
        empty: Option<String>,
    },
    /// The holder's photo (a visa's), `width` × `height` mm at the left margin; left out when
    /// the document has none.
    Portrait {
        width: f32,
        height: f32,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub label: String,
    pub value: String,
}

impl Template {
    /// Reads a template and checks every value it names can be resolved in form.
    pub fn parse(json: &str) -> Result<Template, String> {
        let t: Template = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if t.authority.is_empty() || t.authority.len() > 2 {
            return Err("authority takes one or two lines".into());
        }
        let mut texts: Vec<&str> = vec![&t.title, &t.signature];
        for b in &t.blocks {
            match b {
                Block::Section { title } => texts.push(title),
                Block::Text { text, .. } => texts.push(text),
                Block::Fields { rows } => {
                    texts.extend(rows.iter().flat_map(|r| [r.label.as_str(), &r.value]))
                }
                Block::List { lines, empty, .. } => {
                    texts.extend(lines.iter().map(String::as_str));
                    texts.extend(empty.as_deref());
                }
                Block::Portrait { width, height } => {
                    if !(10.0..=60.0).contains(width) || !(10.0..=80.0).contains(height) {
                        return Err("a portrait is 10 to 60 mm wide and 10 to 80 mm high".into());
                    }
                }
            }
        }
        for text in texts {
            for (_, filter) in placeholders(text)? {
                if let Some(table) = filter.strip_prefix("label:")
                    && !t.labels.contains_key(table)
                {
                    return Err(format!("{text}: no labels table {table}"));
                } else if !filter.is_empty() && filter != "date" && !filter.starts_with("label:") {
                    return Err(format!("{text}: unknown filter {filter}"));
                }
            }
        }
        Ok(t)
    }

    pub fn render(
        &self,
        fonts: &Fonts,
        c: &Printable<'_>,
        verify_url: &str,
    ) -> Result<Vec<u8>, RenderError> {
        let number = c.document.number.to_string();
        let doc = frame::document(c, c.title)?;
        let ctx = context(c);
        let mut first = Page::new();
        let authority: Vec<&str> = self.authority.iter().map(String::as_str).collect();
        frame::header(&mut first, &authority, &c.office.name);
        let code = c.document.code.as_ref().map(ToString::to_string);
        let y = frame::title(
            &mut first,
            &self.title,
            self.subtitle.as_deref(),
            &number,
            code.as_deref(),
        );
        let mut f = Flow {
            pages: vec![first],
            y,
            title: &self.title,
            number: &number,
            aside: None,
        };
        let fill = |text: &str| self.fill(text, &ctx, None);
        for block in &self.blocks {
            match block {
                Block::Portrait { width, height } => {
                    // At the right margin, the fields that follow beside it: the photo takes
                    // no height of its own, and an e-visa stays on one page.
                    if c.portrait.is_some() {
                        f.clear_aside();
                        f.room(height + 3.0);
                        let y = f.y;
                        f.page().portrait = Some((RIGHT - width, y, *width, *height));
                        f.aside = Some((y + height + 3.0, width + 4.0));
                    }
                }
                Block::Section { title } => {
                    f.clear_aside();
                    if let Some(t) = fill(title) {
                        // A heading keeps at least two lines of what it heads with it.
                        f.room(3.0 + 9.0 + 12.0);
                        f.y += 3.0;
                        let y = f.y;
                        f.page().text(LEFT, y, 11.0, Weight::Bold, &t);
                        f.y += 9.0;
                    }
                }
                Block::Text {
                    text,
                    bold,
                    centred,
                    small,
                } => {
                    f.clear_aside();
                    let Some(t) = fill(text) else { continue };
                    let weight = if *bold { Weight::Bold } else { Weight::Regular };
                    let size = if *small { 8.5 } else { 10.0 };
                    if *centred {
                        f.room(10.0);
                        let y = f.y;
                        f.page().centred(y + 2.0, size + 2.0, weight, &t);
                        f.y += 10.0;
                    } else {
                        f.paragraph(LEFT, size, weight, &t);
                        f.y += 3.0;
                    }
                }
                Block::Fields { rows } => {
                    for row in rows {
                        let (Some(label), Some(value)) = (fill(&row.label), fill(&row.value))
                        else {
                            continue;
                        };
                        let value = Wrapped::new(
                            &value,
                            RIGHT - LEFT - LABEL_WIDTH - f.aside_width(),
                            10.0,
                            Weight::Bold,
                        );
                        f.room(value.height());
                        let y = f.y;
                        let p = f.page();
                        p.text(LEFT, y, 10.0, Weight::Regular, &label);
                        f.y = p.write(LEFT + LABEL_WIDTH, y, &value) + 1.5;
                    }
                    f.y += 3.0;
                }
                Block::List {
                    items,
                    lines,
                    empty,
                } => {
                    f.clear_aside();
                    let list = lookup(&ctx, items).and_then(Value::as_array);
                    match list {
                        Some(list) if !list.is_empty() => {
                            for (i, item) in list.iter().enumerate() {
                                let item = json!({"item": item, "index": i + 1});
                                let filled: Vec<(f32, Wrapped)> = lines
                                    .iter()
                                    .enumerate()
                                    .filter_map(|(n, line)| {
                                        let t = self.fill(line, &ctx, Some(&item))?;
                                        let (x, weight) = if n == 0 {
                                            (LEFT, Weight::Bold)
                                        } else {
                                            (LEFT + 6.0, Weight::Regular)
                                        };
                                        Some((x, Wrapped::new(&t, RIGHT - x, 10.0, weight)))
                                    })
                                    .collect();
                                // An entry is never split across two pages.
                                f.room(filled.iter().map(|(_, w)| w.height()).sum());
                                for (x, w) in &filled {
                                    f.write(*x, w);
                                }
                                f.y += 2.0;
                            }
                        }
                        _ => {
                            if let Some(t) = empty.as_deref().and_then(fill) {
                                f.room(12.0);
                                let y = f.y;
                                f.page().centred(y + 2.0, 18.0, Weight::Bold, &t);
                                f.y += 12.0;
                            }
                        }
                    }
                }
            }
        }
        f.clear_aside();
        // The texts the document is issued under, as the catalogue states them.
        if let Some(basis) = c.entry.legal_basis.as_deref() {
            f.y += 1.0;
            f.paragraph(LEFT, 8.5, Weight::Regular, basis);
            f.y += 2.0;
        }
        // The place and date, the signatory and the validity stand with the seal, on the last
        // page: a new one when they do not fit above it.
        // The stamp (beside them, at the right margin) must end above the QR code; the four
        // lines end before the verification note under it begins.
        if f.y + 2.0 + STAMP_HEIGHT > QR_TOP - 1.0 {
            f.new_page();
        }
        let mut y = f.y + 6.0;
        let issued = french_date(c.document.issued_at.date());
        let p = f.page();
        frame::stamp(p, y - 4.0, &c.office.name);
        p.text(
            LEFT,
            y,
            10.0,
            Weight::Regular,
            &format!("Délivré à {}, le {issued}", c.office.city),
        );
        // The title of the officer who decided (by their role), their name when their token
        // gave it, and the date of the decision.
        let decided = c.application.decided();
        let role = decided.and_then(|(actor, _)| match actor {
            Actor::Staff { role, .. } => Some(role.as_str()),
            _ => None,
        });
        let title = role
            .and_then(|r| c.entry.titles.get(r))
            .unwrap_or(&self.signature);
        y += 6.0;
        p.text(LEFT, y, 10.0, Weight::Bold, title);
        let name = decided.and_then(|(actor, _)| match actor {
            Actor::Staff { name, .. } => name.as_ref().map(|n| n.as_str()),
            _ => None,
        });
        let on = decided.map(|(_, at)| format!("décision du {}", french_date(at.date())));
        let who = match (name, on) {
            (Some(name), Some(on)) => Some(format!("{name}, {on}")),
            (None, Some(on)) => Some(on[..1].to_uppercase() + &on[1..]),
            (Some(name), None) => Some(name.to_owned()),
            (None, None) => None,
        };
        if let Some(who) = who {
            y += 5.0;
            p.text(LEFT, y, 9.0, Weight::Regular, &who);
        }
        y += 5.0;
        match (c.document.expires_at, &self.without_expiry) {
            (Some(expires), _) => p.text(
                LEFT,
                y,
                9.0,
                Weight::Regular,
                &format!("Valable jusqu'au {}", french_date(expires.date())),
            ),
            (None, Some(text)) => p.text(LEFT, y, 9.0, Weight::Regular, text),
            (None, None) => {}
        }
        frame::seal_and_footer(p, c, verify_url)?;
        // Whoever is handed the first page alone finds the code on it too.
        if f.pages.len() > 1 {
            frame::seal_and_footer(&mut f.pages[0], c, verify_url)?;
        }
        if f.pages.len() > MAX_PAGES {
            return Err(RenderError::Drawing(format!(
                "{}: {} pages, more than the {MAX_PAGES} a document may have",
                c.template,
                f.pages.len()
            )));
        }
        frame::save(doc, f.pages, c, fonts)
    }

    /// The text with its values, or `None` when one of them is missing.
    fn fill(&self, text: &str, ctx: &Value, item: Option<&Value>) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}')? + start;
            let inner = &rest[start + 1..end];
            let (path, filter) = inner.split_once('|').unwrap_or((inner, ""));
            let scope = match (path.split('.').next(), item) {
                (Some("item" | "index"), Some(item)) => item,
                _ => ctx,
            };
            let value = match lookup(scope, path)? {
                Value::String(s) if s.is_empty() => return None,
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let shown = match filter {
                "" => value,
                "date" => french_date(parse_iso_date(&value).ok()?),
                f => self
                    .labels
                    .get(f.strip_prefix("label:")?)?
                    .get(&value)?
                    .clone(),
            };
            out.push_str(&shown);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}

/// The most pages a document may run to: a criminal record's convictions at the catalogue's
/// limit, each at its longest, take three.
const MAX_PAGES: usize = 4;

/// Content flowing down the pages: a new page starts (with a continuation heading) when what
/// comes next would run into the footer.
struct Flow<'a> {
    pages: Vec<Page>,
    y: f32,
    title: &'a str,
    number: &'a str,
    /// A photo at the right margin: where it ends, and the width it keeps from the lines
    /// beside it.
    aside: Option<(f32, f32)>,
}

impl Flow<'_> {
    /// The width the photo keeps at the right, while the flow is beside it.
    fn aside_width(&self) -> f32 {
        match self.aside {
            Some((bottom, width)) if self.y < bottom => width,
            _ => 0.0,
        }
    }

    /// Goes on below the photo.
    fn clear_aside(&mut self) {
        if let Some((bottom, _)) = self.aside.take() {
            self.y = self.y.max(bottom);
        }
    }

    fn page(&mut self) -> &mut Page {
        // The first page is made before the flow: there is always a last one.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        let mut p = Page::new();
        frame::continued(&mut p, self.title, self.number);
        self.pages.push(p);
        self.y = CONTINUED_TOP;
        self.aside = None;
    }

    /// Makes room for `height` millimetres on this page, or starts the next one. The first page
    /// keeps the seal's place free: a document that runs on carries its code there too.
    fn room(&mut self, height: f32) {
        let bottom = if self.pages.len() == 1 {
            QR_TOP - 2.0
        } else {
            PAGE_BOTTOM
        };
        if self.y + height > bottom && self.y > CONTINUED_TOP {
            self.new_page();
        }
    }

    /// A paragraph at `x`, kept whole on one page when it fits on one.
    fn paragraph(&mut self, x: f32, size: f32, weight: Weight, text: &str) {
        self.write(x, &Wrapped::new(text, RIGHT - x, size, weight));
    }

    /// Lines wrapped before, at `x`, kept whole on one page when they fit on one.
    fn write(&mut self, x: f32, w: &Wrapped) {
        self.room(w.height());
        let y = self.y;
        self.y = self.page().write(x, y, w);
    }
}

/// The `{path|filter}` placeholders of a text.
fn placeholders(text: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| format!("{text}: a {{ is not closed"))?
            + start;
        let inner = &rest[start + 1..end];
        found.push(inner.split_once('|').unwrap_or((inner, "")));
        rest = &rest[end + 1..];
    }
    Ok(found)
}

fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(root, |v, key| v.get(key))
}

/// What a template may name: the holder, the applicant, the details, the approved content, the
/// office and the document.
fn context(c: &Printable<'_>) -> Value {
    let a = &c.application.applicant;
    let born_at = if a.birth_country.is_mali() {
        format!("{} (Mali)", a.birth_place.as_str())
    } else {
        format!("{} ({})", a.birth_place.as_str(), a.birth_country.as_str())
    };
    let holder = match c.holder {
        Holder::Organisation { organisation } => json!({
            "type": "organisation",
            "name": organisation.name,
            "registration_number": organisation.registration_number,
        }),
        Holder::Person(p) => json!({
            "type": "person",
            "surname": p.surname.as_str(),
            "given_names": p.given_names.as_str(),
            "birth_date": p.birth_date.to_string(),
        }),
    };
    json!({
        "holder": holder,
        "applicant": {
            "surname": a.surname.as_str(),
            "given_names": a.given_names.as_str(),
            "birth_date": a.birth_date.to_string(),
            "birth_place": a.birth_place.as_str(),
            "birth_country": a.birth_country.as_str(),
            "born_at": born_at,
            "father_name": a.father_name.as_ref().map(|n| n.as_str()),
            "mother_name": a.mother_name.as_ref().map(|n| n.as_str()),
            "nina": a.nina.clone().map(String::from),
        },
        "details": c.application.details,
        "content": c.content,
        "office": {"code": c.office.code.as_str(), "name": c.office.name, "city": c.office.city},
        "document": {
            "number": c.document.number.to_string(),
            "issued_on": c.document.issued_at.date().to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_naming_an_unknown_filter_or_labels_table_is_refused() {
        let base = |text: &str| {
            format!(
                r#"{{"authority": ["MINISTÈRE"], "title": "T", "signature": "S", "blocks": [{{"type": "text", "text": "{text}"}}], "labels": {{"basis": {{}}}}}}"#
            )
        };
        assert!(Template::parse(&base("{content.basis|label:basis}")).is_ok());
        assert!(Template::parse(&base("{content.basis|label:bases}")).is_err());
        assert!(Template::parse(&base("{content.basis|shout}")).is_err());
        assert!(Template::parse(&base("{content.basis")).is_err());
        assert!(Template::parse(r#"{"authority": ["M"], "title": "T", "signature": "S", "blocks": [{"type": "poem"}]}"#).is_err());
    }

    #[test]
    fn values_fill_texts_and_a_missing_one_leaves_the_text_out() {
        let t = Template::parse(
            r#"{"authority": ["M"], "title": "T", "signature": "S", "blocks": [],
            "labels": {"rel": {"father": "père"}}}"#,
        )
        .unwrap();
        let ctx = json!({"a": {"d": "2026-08-01", "r": "father", "empty": ""}});
        assert_eq!(
            t.fill("le {a.d|date}, {a.r|label:rel}", &ctx, None)
                .as_deref(),
            Some("le 1er août 2026, père")
        );
        assert_eq!(t.fill("{a.missing}", &ctx, None), None);
        assert_eq!(t.fill("{a.empty}", &ctx, None), None);
        assert_eq!(t.fill("{a.r|label:rel} {a.d|label:rel}", &ctx, None), None);
    }
}
