//! Settings: `GUICHET_*` environment variables, read once at cold start. Each part reads its own
//! (`guichet-http` its limits and origins, `guichet-local` its data directory, `guichet-aws` its
//! resources…) through an [`Env`], so a part's settings live beside the part, and a test passes
//! any set of variables without touching the process environment.

use secrecy::SecretString;
use std::collections::HashMap;

/// Looks a variable up by name.
type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A source of settings: the process environment, or a map in a test.
pub struct Env(Lookup);

impl Env {
    pub fn process() -> Self {
        Env(Box::new(|name| std::env::var(name).ok()))
    }

    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Env(Box::new(lookup))
    }

    /// Only these variables, as a test sets them.
    pub fn vars(vars: &[(&str, &str)]) -> Self {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Env::from_fn(move |k| map.get(k).cloned())
    }

    /// No variable set: every default.
    pub fn empty() -> Self {
        Env::from_fn(|_| None)
    }

    /// A variable, with blank taken as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    pub fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// A whole number of at least 1.
    pub fn at_least_one(&self, name: &'static str, default: u32) -> Result<u32, SettingError> {
        match self.get(name) {
            None => Ok(default),
            Some(s) => s
                .trim()
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(SettingError::Invalid {
                    name,
                    why: "a whole number, at least 1".into(),
                }),
        }
    }

    /// A secret of at least `min` characters, kept out of `Debug` and the logs.
    pub fn secret(
        &self,
        name: &'static str,
        min: usize,
    ) -> Result<Option<SecretString>, SettingError> {
        match (self.0)(name) {
            None => Ok(None),
            Some(s) if s.len() >= min => Ok(Some(SecretString::from(s))),
            Some(_) => Err(SettingError::Invalid {
                name,
                why: format!("at least {min} characters"),
            }),
        }
    }

    pub fn required(&self, name: &'static str) -> Result<String, SettingError> {
        self.get(name).ok_or(SettingError::Missing(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} is invalid: {why}")]
    Invalid { name: &'static str, why: String },
}

/// Where the service runs: production refuses the sandbox payment provider, the development
/// sign-in, and secrets made up on the spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    /// `GUICHET_ENV`: `development` (the default) or `production`.
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        match env.get("GUICHET_ENV").as_deref() {
            None | Some("development") | Some("dev") => Ok(Environment::Development),
            Some("production") | Some("prod") => Ok(Environment::Production),
            Some(other) => Err(SettingError::Invalid {
                name: "GUICHET_ENV",
                why: format!("unknown environment {other:?}"),
            }),
        }
    }

    pub fn is_production(self) -> bool {
        self == Environment::Production
    }
}

/// When the reconcile step steps in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileSettings {
    /// How long an approved application may wait for its document before issuance is asked again
    /// (`GUICHET_REDRIVE_AFTER_SECONDS`, default 900).
    pub redrive_after: time::Duration,
    /// After this many re-drives an approval is left to a person (`GUICHET_ISSUE_MAX_REDRIVES`,
    /// default 5): the reconcile step logs it as an error every run instead.
    pub max_redrives: u32,
    /// How often `guichet serve` runs the step (`GUICHET_RECONCILE_EVERY_SECONDS`, default 300;
    /// on AWS the template's schedule decides).
    pub every: std::time::Duration,
}

impl ReconcileSettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        Ok(ReconcileSettings {
            redrive_after: time::Duration::seconds(
                env.at_least_one("GUICHET_REDRIVE_AFTER_SECONDS", 900)?
                    .into(),
            ),
            max_redrives: env.at_least_one("GUICHET_ISSUE_MAX_REDRIVES", 5)?,
            every: std::time::Duration::from_secs(
                env.at_least_one("GUICHET_RECONCILE_EVERY_SECONDS", 300)?
                    .into(),
            ),
        })
    }
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        Self::read(&Env::empty()).unwrap_or_else(|_| unreachable!("no variables, no errors"))
    }
}

/// A new random secret: 32 bytes from the operating system, as 64 hex characters.
pub fn random_secret() -> Result<SecretString, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(SecretString::from(hex::encode(bytes)))
}

/// The State's verify page, printed on its documents for good (docs/seal.md).
pub const DEFAULT_VERIFY_URL: &str = "https://guichet.ml/verifier";

/// `GUICHET_VERIFY_URL`: the verify page's address, printed in every document's QR code before `#` and the seal
/// (docs/seal.md, "The link"): a scheme and host, a path, nothing a fragment would break.
pub fn verify_url(env: &Env) -> Result<String, SettingError> {
    let url = env.or("GUICHET_VERIFY_URL", DEFAULT_VERIFY_URL);
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !url.ends_with('/')
                && url.bytes().all(|b| b.is_ascii_graphic())
                && !url.contains(['#', '?', '%']) =>
        {
            Ok(url)
        }
        _ => Err(SettingError::Invalid {
            name: "GUICHET_VERIFY_URL",
            why: format!(
                "{url:?}: an address such as https://guichet.ml/verifier (no query, fragment or trailing slash)"
            ),
        }),
    }
}

/// An address setting: `scheme://host[:port][/path]`, kept without its trailing slash.
pub fn address(env: &Env, name: &'static str) -> Result<Option<String>, SettingError> {
    let Some(url) = env.get(name) else {
        return Ok(None);
    };
    let url = url.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or_default();
    if host.is_empty() || host.starts_with('/') || url.contains(['?', '#', ' ']) {
        return Err(SettingError::Invalid {
            name,
            why: format!("{url:?} is not an address (https://host[/path])"),
        });
    }
    Ok(Some(url.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_environments_are_checked() {
        assert_eq!(
            Environment::read(&Env::vars(&[("GUICHET_ENV", "prod")])),
            Ok(Environment::Production)
        );
        assert!(Environment::read(&Env::vars(&[("GUICHET_ENV", "staging")])).is_err());
        assert!(
            ReconcileSettings::read(&Env::vars(&[("GUICHET_ISSUE_MAX_REDRIVES", "0")])).is_err()
        );
        assert_eq!(ReconcileSettings::default().max_redrives, 5);
        let secret = Env::vars(&[("S", "short")]).secret("S", 32);
        assert!(matches!(
            secret,
            Err(SettingError::Invalid { name: "S", .. })
        ));
        let long = "x".repeat(32);
        let secret = Env::vars(&[("S", &long)]).secret("S", 32).unwrap().unwrap();
        assert!(!format!("{secret:?}").contains(&long));
    }

    #[test]
    fn the_verify_address_is_one_a_link_can_end_with_a_seal() {
        assert!(
            verify_url(&Env::vars(&[(
                "GUICHET_VERIFY_URL",
                "https://guichet.ml/verifier"
            )]))
            .is_ok()
        );
        assert!(
            verify_url(&Env::vars(&[(
                "GUICHET_VERIFY_URL",
                "http://127.0.0.1:8080/verifier"
            )]))
            .is_ok()
        );
        for bad in [
            "guichet.ml/verifier",
            "https://guichet.ml/verifier/",
            "https://guichet.ml/v#x",
            "https://guichet.ml/v?a=1",
            "https:///v",
            "https://a b/v",
        ] {
            assert!(
                verify_url(&Env::vars(&[("GUICHET_VERIFY_URL", bad)])).is_err(),
                "{bad}"
            );
        }
    }
}
