//! Screening one traveller against a generated watchlist of 100,000 people (with aliases): the
//! time per traveller (p50, p99, max, on whatever cores `taskset` leaves it: one in
//! scripts/bench.sh), the recall on the spelling variants issue 14 names, and the share of
//! travellers who are on no list yet get a candidate an officer must clear. It writes the list
//! and the travellers to target/screening/ for the peer (RapidFuzz) measured in the same run.
//!
//! Run: `scripts/bench.sh` (both), or `cargo bench --workspace --bench screening`.

use guichet_core::screening::Watchlist;
use std::fmt::Write as _;
use std::time::Instant;

/// The list's size under `cargo bench`; `cargo test` runs the same code on a small list, once.
const ENTRIES: usize = 100_000;
const SMOKE_ENTRIES: usize = 2_000;

/// A small deterministic generator (xorshift64*): the same list and travellers every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Given names as lists meet them: West African, Arabic in their French and English forms,
/// and others.
const GIVEN: &[&str] = &[
    "Mohamed",
    "Mohammed",
    "Muhammad",
    "Mamadou",
    "Ousmane",
    "Usman",
    "Abdoulaye",
    "Abdullahi",
    "Ibrahim",
    "Ibrahima",
    "Moussa",
    "Musa",
    "Youssouf",
    "Yusuf",
    "Oumar",
    "Omar",
    "Amadou",
    "Ahmed",
    "Souleymane",
    "Suleiman",
    "Boubacar",
    "Abubakar",
    "Idrissa",
    "Idris",
    "Ismael",
    "Ismail",
    "Ali",
    "Hamza",
    "Fatoumata",
    "Fatima",
    "Aicha",
    "Aisha",
    "Mariam",
    "Maryam",
    "Awa",
    "Aminata",
    "Kadiatou",
    "Hawa",
    "Rokia",
    "Oumou",
    "Salif",
    "Modibo",
    "Cheick",
    "Seydou",
    "Bakary",
    "Lassana",
    "Sidiki",
    "Tiemoko",
    "Drissa",
    "Adama",
    "Issa",
    "Hamidou",
    "Alassane",
    "Moctar",
    "Sekou",
    "Mahamane",
    "Hassane",
    "Harouna",
    "Yacouba",
    "Zakaria",
    "Djibril",
    "Khalil",
    "Karim",
    "Rachid",
    "Nabil",
    "Tarek",
    "Samir",
    "Walid",
    "Bilal",
    "Jean",
    "Pierre",
    "Marie",
    "Claire",
    "Anne",
    "Paul",
    "Michel",
    "Louis",
    "Sophie",
    "Julie",
    "John",
    "James",
    "Robert",
    "Michael",
    "David",
    "Sarah",
    "Emily",
    "Daniel",
    "Thomas",
    "Wei",
    "Li",
    "Jun",
    "Ming",
    "Hao",
    "Ivan",
    "Olga",
    "Sergei",
    "Ahmet",
    "Mehmet",
    "Emre",
    "Kwame",
    "Kofi",
    "Ama",
    "Chidi",
    "Ngozi",
    "Emeka",
    "Tunde",
    "Bola",
    "Femi",
    "Sani",
    "Garba",
    "Bello",
    "Aliyu",
    "Halima",
    "Zainab",
    "Hadiza",
    "Salamatou",
    "Ramatou",
    "Balkissa",
];

/// Surnames of the Sahel and beyond.
const SURNAMES: &[&str] = &[
    "Diallo",
    "Traore",
    "Keita",
    "Coulibaly",
    "Diarra",
    "Kone",
    "Toure",
    "Sangare",
    "Sissoko",
    "Cisse",
    "Dembele",
    "Konate",
    "Camara",
    "Sidibe",
    "Doumbia",
    "Maiga",
    "Cisse",
    "Sow",
    "Ba",
    "Barry",
    "Bah",
    "Kante",
    "Fofana",
    "Kouyate",
    "Diakite",
    "Sacko",
    "Dicko",
    "Tall",
    "Ndiaye",
    "Diop",
    "Fall",
    "Sarr",
    "Gueye",
    "Mbaye",
    "Sy",
    "Kane",
    "Thiam",
    "Faye",
    "Seck",
    "Ouedraogo",
    "Sawadogo",
    "Kabore",
    "Zongo",
    "Compaore",
    "Ilboudo",
    "Zerbo",
    "Kinda",
    "Issoufou",
    "Mahamadou",
    "Hamani",
    "Abdou",
    "Moussa",
    "Garba",
    "Idrissa",
    "Oumarou",
    "Ag Ghaly",
    "Ould Salem",
    "Ould Ahmed",
    "Ben Ali",
    "Haidara",
    "Tandina",
    "Djire",
    "Tangara",
    "Bagayoko",
    "Samake",
    "Dao",
    "Guindo",
    "Kamate",
    "Berthe",
    "Ballo",
    "Togola",
    "Goita",
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Ivanov",
    "Petrov",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Owusu",
    "Bello",
    "Abubakar",
    "Mohammed",
    "Yusuf",
    "Sani",
    "Usman",
    "Aliyu",
    "Danjuma",
    "Obi",
];

/// Surnames no generated entry carries: travellers who cannot be on the list.
const OTHER_SURNAMES: &[&str] = &[
    "Lindqvist",
    "Nakamura",
    "Oyelaran",
    "Fitzgerald",
    "Vasquez",
    "Kowalczyk",
    "Abernathy",
    "Rasmussen",
    "Takahashi",
    "Okonkwo",
    "Benedetti",
    "Hernandez",
    "Schneider",
    "Papadopoulos",
];

const SYNONYM_FORMS: &[&[&str]] = &[
    &["Mohamed", "Mohammed", "Muhammad", "Mohamadou", "Mamadou"],
    &["Ousmane", "Usman", "Othman"],
    &["Abdoulaye", "Abdullahi", "Abdallah"],
    &["Ibrahim", "Ibrahima", "Brahim"],
    &["Moussa", "Musa"],
    &["Youssouf", "Yusuf"],
    &["Oumar", "Omar"],
    &["Souleymane", "Suleiman"],
    &["Boubacar", "Abubakar"],
    &["Fatoumata", "Fatima"],
    &["Aicha", "Aisha"],
    &["Mariam", "Maryam"],
];

fn another_form(rng: &mut Rng, name: &str) -> Option<String> {
    let group = SYNONYM_FORMS.iter().find(|g| g.contains(&name))?;
    let others: Vec<&str> = group.iter().copied().filter(|f| *f != name).collect();
    Some(rng.pick(&others).to_owned())
}

/// One letter changed, dropped, doubled or two swapped, inside a name long enough to bear it.
fn typo(rng: &mut Rng, name: &str) -> String {
    let mut c: Vec<char> = name.chars().collect();
    if c.len() < 5 {
        return name.to_owned();
    }
    let i = 1 + rng.below(c.len() - 2);
    match rng.below(4) {
        0 => c[i] = if c[i] == 'a' { 'e' } else { 'a' },
        1 => {
            c.remove(i);
        }
        2 => c.insert(i, c[i]),
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}

struct Person {
    id: String,
    given: String,
    middle: Option<String>,
    surname: String,
    birth_year: Option<i32>,
}

impl Person {
    fn full(&self) -> String {
        match &self.middle {
            Some(m) => format!("{} {m} {}", self.given, self.surname),
            None => format!("{} {}", self.given, self.surname),
        }
    }
}

/// A traveller, the entry they are (if any), and which set they belong to.
struct Traveller {
    name: String,
    birth_year: Option<i32>,
    expect: Option<String>,
    set: &'static str,
}

fn generate(entries: usize) -> (String, Vec<Traveller>) {
    let mut rng = Rng(0x0005_EED0_F6A1_C4E7);
    let mut people: Vec<Person> = Vec::with_capacity(entries);
    // The people, planted among the generated ones.
    for (id, given, middle, surname, year) in [
        ("P-1", "Muhammad", None, "Diallo", Some(1980)),
        ("P-2", "Usman", None, "Traore", Some(1975)),
        ("P-3", "Abdullahi", Some("Ibrahim"), "Sow", Some(1990)),
        ("P-4", "Mariam", None, "Keita", None),
    ] {
        people.push(Person {
            id: id.into(),
            given: given.into(),
            middle: middle.map(Into::into),
            surname: surname.into(),
            birth_year: year,
        });
    }
    while people.len() < entries {
        let n = people.len();
        people.push(Person {
            id: format!("W-{n:06}"),
            given: rng.pick(GIVEN).into(),
            middle: rng.chance(30).then(|| rng.pick(GIVEN).to_owned()),
            surname: rng.pick(SURNAMES).into(),
            birth_year: (!rng.chance(10)).then(|| 1940 + rng.below(66) as i32),
        });
    }
    let mut csv = String::from("id,name,aliases,birth_year,nationality\n");
    for p in &people {
        let mut aliases: Vec<String> = Vec::new();
        for _ in 0..rng.below(3) {
            let alias = match rng.below(3) {
                0 => another_form(&mut rng, &p.given)
                    .map(|g| format!("{g} {}", p.surname))
                    .unwrap_or_else(|| format!("{} {}", p.surname, p.given)),
                1 => format!("{} {}", p.surname, p.given),
                _ => format!("{} {}", p.given, typo(&mut rng, &p.surname)),
            };
            aliases.push(alias);
        }
        let year = p.birth_year.map(|y| y.to_string()).unwrap_or_default();
        let _ = writeln!(csv, "{},{},{},{year},", p.id, p.full(), aliases.join(";"));
    }
    let mut travellers = Vec::new();
    // The variants issue 14 names, of the planted people.
    for (name, year, id) in [
        ("Mohamed Diallo", Some(1980), "P-1"),
        ("Mohammed Diallo", Some(1981), "P-1"),
        ("Muhammad Diallo", Some(1979), "P-1"),
        ("Diallo Mohamed", Some(1980), "P-1"),
        ("Mohamed Dialo", None, "P-1"),
        ("Ousmane Traoré", Some(1975), "P-2"),
        ("Usman Traore", None, "P-2"),
        ("Traore Ousmane", Some(1976), "P-2"),
        ("Abdoulaye Sow", Some(1990), "P-3"),
        ("Abdullahi Sow", Some(1989), "P-3"),
        ("Sow Abdoulaye Ibrahim", Some(1990), "P-3"),
        ("Mariam Keïta", Some(1970), "P-4"),
        ("Maryam Keita", None, "P-4"),
    ] {
        travellers.push(Traveller {
            name: name.into(),
            birth_year: year,
            expect: Some(id.into()),
            set: "issue_variants",
        });
    }
    // The same kinds of variant, of a thousand generated people.
    for _ in 0..1000 {
        let p = &people[4 + rng.below(entries - 4)];
        let given = match rng.below(2) {
            0 => another_form(&mut rng, &p.given).unwrap_or_else(|| p.given.clone()),
            _ => p.given.clone(),
        };
        let surname = if rng.chance(30) {
            typo(&mut rng, &p.surname)
        } else {
            p.surname.clone()
        };
        // The middle name dropped, or the order turned.
        let name = match rng.below(3) {
            0 => format!("{surname} {given}"),
            1 => format!("{given} {surname}"),
            _ => match &p.middle {
                Some(m) => format!("{given} {m} {surname}"),
                None => format!("{given} {surname}"),
            },
        };
        let year = match (p.birth_year, rng.below(3)) {
            (Some(y), 0) => Some(y + 1),
            (Some(y), 1) => Some(y - 1),
            (Some(y), _) => Some(y),
            (None, _) => Some(1960 + rng.below(40) as i32),
        };
        travellers.push(Traveller {
            name,
            birth_year: if rng.chance(10) { None } else { year },
            expect: Some(p.id.clone()),
            set: "generated_variants",
        });
    }
    // People on no list: a surname no entry has, with names and years like anyone's.
    for _ in 0..1000 {
        let given = rng.pick(GIVEN);
        let surname = rng.pick(OTHER_SURNAMES);
        travellers.push(Traveller {
            name: format!("{given} {surname}"),
            birth_year: Some(1950 + rng.below(55) as i32),
            expect: None,
            set: "not_listed",
        });
    }
    // People on no list whose names are common ones: a listed given name and surname, born in a
    // year no entry of that name has (so a candidate is only a namesake of unknown birth year,
    // or a near spelling).
    for _ in 0..1000 {
        let (given, surname) = (rng.pick(GIVEN), rng.pick(SURNAMES));
        travellers.push(Traveller {
            name: format!("{given} {surname}"),
            birth_year: Some(1890 + rng.below(40) as i32),
            expect: None,
            set: "namesakes",
        });
    }
    (csv, travellers)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this once, small.
    let full = std::env::args().any(|a| a == "--bench");
    let (csv, travellers) = generate(if full { ENTRIES } else { SMOKE_ENTRIES });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(if full {
        "../../target/screening"
    } else {
        "../../target/screening-smoke"
    });
    std::fs::create_dir_all(&dir).expect("target/screening");
    std::fs::write(dir.join("list.csv"), &csv).expect("list written");
    let queries: Vec<serde_json::Value> = travellers
        .iter()
        .map(|t| {
            serde_json::json!({"name": t.name, "birth_year": t.birth_year, "expect": t.expect, "set": t.set})
        })
        .collect();
    std::fs::write(
        dir.join("travellers.json"),
        serde_json::to_vec(&queries).expect("json"),
    )
    .expect("travellers written");

    let started = Instant::now();
    let list = Watchlist::from_csv(csv.as_bytes()).expect("the generated list reads");
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let names: usize = list.entries.iter().map(|e| e.names.len()).sum();
    println!(
        "screening: list of {} people, {names} names with aliases, loaded and indexed in {load_ms:.0} ms",
        list.entries.len()
    );
    // Warm the caches once, as a warm function would be.
    for t in travellers.iter().take(50) {
        std::hint::black_box(list.candidates(&t.name, t.birth_year));
    }
    let mut times = Vec::with_capacity(travellers.len());
    let mut by_set: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut candidates_seen = 0usize;
    for t in &travellers {
        let started = Instant::now();
        let found = list.candidates(&t.name, t.birth_year);
        times.push(started.elapsed().as_secs_f64() * 1e3);
        candidates_seen += found.len();
        let entry = by_set.entry(t.set).or_default();
        entry.0 += 1;
        match &t.expect {
            Some(id) => {
                let hit = found.iter().any(|c| &c.entry_id == id);
                if !hit && std::env::var_os("SCREENING_MISSES").is_some() {
                    let listed = list.entries.iter().find(|e| &e.id == id);
                    println!(
                        "missed: {} {:?} -> {id} {:?}",
                        t.name,
                        t.birth_year,
                        listed.map(|e| (&e.names, e.birth_year))
                    );
                }
                entry.1 += usize::from(hit)
            }
            None => entry.1 += usize::from(!found.is_empty()),
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "screening: {} travellers, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms per traveller ({:.1} candidates on average)",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        candidates_seen as f64 / times.len() as f64
    );
    for (set, (n, k)) in &by_set {
        let share = 100.0 * *k as f64 / *n as f64;
        match *set {
            "issue_variants" | "generated_variants" => {
                println!("screening: recall on {set}: {k}/{n} = {share:.1} %")
            }
            _ => println!(
                "screening: false positives on {set}: {k}/{n} travellers = {share:.1} % get a candidate"
            ),
        }
    }
    // The index only narrows what is scored: on a sample, it finds what scoring every entry finds.
    let mut same = 0;
    let sample: Vec<&Traveller> = travellers.iter().step_by(97).collect();
    for t in &sample {
        let by_index: Vec<String> = list
            .candidates(&t.name, t.birth_year)
            .into_iter()
            .map(|c| c.entry_id)
            .collect();
        let by_scan: Vec<String> = list
            .candidates_by_scan(&t.name, t.birth_year)
            .into_iter()
            .map(|c| c.entry_id)
            .collect();
        same += usize::from(by_index == by_scan);
    }
    println!(
        "screening: the index agrees with a full scan on {same}/{} sampled travellers",
        sample.len()
    );
    assert_eq!(
        same,
        sample.len(),
        "the index must find what a full scan finds"
    );
    let (n, k) = by_set.get("issue_variants").copied().unwrap_or_default();
    assert_eq!(n, k, "every spelling variant the issue names is found");
}
