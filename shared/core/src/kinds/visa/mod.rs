//! The visa (issue 14), built in steps: what a traveller's passport must be comes first; the kind,
//! its parallel consular review and security screening, the e-visa and the border follow.

pub mod details;
pub mod passport;
