//! The template's roles, held to docs/security.md's table of secrets and access, function by
//! function (moto does not evaluate IAM: this is what says each function reads only the secrets
//! it uses and touches only what it needs). Read line by line, as the template is written.

use std::collections::BTreeMap;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Each function's `Policies:` lines, by its short name (`submit`).
fn policies(template: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut function: Option<String> = None;
    let mut inside = false;
    for line in template.lines() {
        if let Some(name) = line
            .strip_prefix("  ")
            .filter(|l| !l.starts_with(' '))
            .and_then(|l| l.strip_suffix(':'))
        {
            function = name.strip_suffix("Function").map(str::to_lowercase);
            inside = false;
            continue;
        }
        if line == "      Policies:" {
            inside = true;
            continue;
        }
        let key_at_six = line.starts_with("      ")
            && !line.starts_with("       ")
            && line.trim_start().starts_with(char::is_alphabetic);
        if key_at_six {
            inside = false;
        }
        if let (true, Some(f)) = (inside, &function) {
            out.entry(f.clone())
                .or_insert_with(Vec::new)
                .push(line.trim().to_owned());
        }
    }
    out
}

/// The text between `before` and the next `after` in `line`.
fn between<'a>(line: &'a str, before: &str, after: char) -> Option<&'a str> {
    let start = line.find(before)? + before.len();
    line[start..].split(after).next()
}

/// What one function's policies say, column by column, in the words of the table.
fn describe(lines: &[String]) -> [String; 4] {
    let mut secrets = Vec::new();
    let mut table = Vec::new();
    let mut buckets: Vec<(String, Vec<&str>)> = Vec::new();
    let mut sns = Vec::new();
    let mut actions = String::new();
    let mut read_all = false;
    let mut grant =
        |target: String, how: &'static str| match buckets.iter_mut().find(|(t, _)| *t == target) {
            Some((_, hows)) if !hows.contains(&how) => hows.push(how),
            Some(_) => {}
            None => buckets.push((target, vec![how])),
        };
    for line in lines {
        if let Some(name) = between(line, "SecretArn: !Ref ", ' ') {
            secrets.push(name.to_owned());
        }
        if line.contains("DynamoDBCrudPolicy") {
            table.push("every item".to_owned());
        }
        if line.contains("DynamoDBReadPolicy") {
            table.push("every item, read".to_owned());
            read_all = true;
        }
        if line.contains("DynamoDBStreamReadPolicy") {
            table.push("the stream".to_owned());
        }
        if let Some(keys) = between(line, "dynamodb:LeadingKeys: [", ']') {
            let keys: Vec<String> = keys
                .split(',')
                .map(|k| k.trim().trim_matches('"').trim_end_matches('*').to_owned())
                .collect();
            let keys = keys.join(" ");
            table.push(if read_all {
                format!("{keys} written")
            } else {
                keys
            });
        }
        for (policy, how) in [("S3ReadPolicy", "read"), ("S3WritePolicy", "write")] {
            if line.contains(policy) {
                let bucket = between(line, "BucketName: !Ref ", ' ').unwrap();
                grant(bucket.to_owned(), how);
            }
        }
        if line.starts_with("Action:") || line.starts_with("- Effect:") {
            actions = line.to_owned();
        }
        if let Some(arn) = between(line, "Resource: !Sub \"${", '"')
            && let Some((bucket, prefix)) = arn.split_once(".Arn}/")
        {
            let target = format!("{bucket}/{}", prefix.trim_end_matches('*'));
            if actions.contains("s3:GetObject") {
                grant(target.clone(), "read");
            }
            if actions.contains("s3:PutObject") {
                grant(target, "write");
            }
        }
        if line.contains("SNSPublishMessagePolicy") {
            sns.push(between(line, "!GetAtt ", '.').unwrap().to_owned());
        }
        if line.ends_with("Sid: NoTopics") {
            sns.push("SMS only, topics denied".to_owned());
        }
    }
    let or_none = |v: Vec<String>, sep: &str| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(sep)
        }
    };
    [
        or_none(secrets, ", "),
        or_none(table, "; "),
        or_none(
            buckets
                .into_iter()
                .map(|(t, hows)| format!("{t} {}", hows.join(", ")))
                .collect(),
            "; ",
        ),
        or_none(sns, "; "),
    ]
}

/// The table after `<!-- secrets-table -->` in docs/security.md: function → its four cells.
fn documented() -> BTreeMap<String, [String; 4]> {
    let page = read("docs/security.md");
    let section = page
        .split("<!-- secrets-table -->")
        .nth(1)
        .expect("docs/security.md marks its secrets table");
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect();
            assert_eq!(cells.len(), 5, "{l}");
            (
                cells[0].clone(),
                [
                    cells[1].clone(),
                    cells[2].clone(),
                    cells[3].clone(),
                    cells[4].clone(),
                ],
            )
        })
        .collect()
}

#[test]
fn each_function_reads_only_the_secrets_and_touches_only_what_the_table_says() {
    let template = read("infra/template.yaml");
    let found: BTreeMap<String, [String; 4]> = policies(&template)
        .iter()
        .map(|(f, lines)| (f.clone(), describe(lines)))
        .collect();
    let said = documented();
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        said.keys().collect::<Vec<_>>(),
        "every function has its row"
    );
    let columns = ["secrets", "table items", "S3", "SNS"];
    let mut wrong = Vec::new();
    for (function, cells) in &found {
        for (i, cell) in cells.iter().enumerate() {
            if *cell != said[function][i] {
                wrong.push(format!(
                    "{function}, {}: the template says {cell:?}, the table {:?}",
                    columns[i], said[function][i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The signing keys are read only where documents are signed.
    for (function, cells) in &found {
        let signs = ["issue", "feed"].contains(&function.as_str());
        assert_eq!(cells[0].contains("SigningSecret"), signs, "{function}");
    }
}

/// The key's service statements hold for this account's resources only.
#[test]
fn the_data_keys_services_are_held_to_this_account() {
    let template = read("infra/template.yaml");
    let policy = template
        .split("KeyPolicy:")
        .nth(1)
        .unwrap()
        .split("\n  SigningSecret:")
        .next()
        .unwrap();
    let statements: Vec<&str> = policy.split("- Sid: ").skip(1).collect();
    for s in statements.iter().filter(|s| s.contains("Service")) {
        assert!(
            s.contains("aws:SourceAccount: !Ref AWS::AccountId")
                || s.contains("kms:EncryptionContext:aws:logs:arn"),
            "a service statement without its condition: {s}"
        );
    }
    assert!(statements.len() >= 3);
}
