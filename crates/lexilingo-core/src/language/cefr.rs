//! CEFR levels, A1 (beginner) to C2 (mastery).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A level of the Common European Framework of Reference for Languages.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    TS,
    utoipa::ToSchema,
)]
#[ts(export)]
pub enum CefrLevel {
    /// Beginner.
    A1,
    /// Elementary.
    A2,
    /// Intermediate.
    B1,
    /// Upper intermediate.
    B2,
    /// Advanced.
    C1,
    /// Proficient.
    C2,
}

impl CefrLevel {
    /// All levels, lowest first.
    pub const ALL: [CefrLevel; 6] = [
        CefrLevel::A1,
        CefrLevel::A2,
        CefrLevel::B1,
        CefrLevel::B2,
        CefrLevel::C1,
        CefrLevel::C2,
    ];

    /// "A1" … "C2".
    pub fn as_str(self) -> &'static str {
        match self {
            CefrLevel::A1 => "A1",
            CefrLevel::A2 => "A2",
            CefrLevel::B1 => "B1",
            CefrLevel::B2 => "B2",
            CefrLevel::C1 => "C1",
            CefrLevel::C2 => "C2",
        }
    }

    /// 1 for A1 … 6 for C2 (the numbering CEFR-SP uses).
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }

    /// The level of rank 1 (A1) to 6 (C2).
    pub fn from_rank(rank: u8) -> Option<Self> {
        Self::ALL.get(usize::from(rank).checked_sub(1)?).copied()
    }

    /// The Vietnamese name of the level, for the learner.
    pub fn name_vi(self) -> &'static str {
        match self {
            CefrLevel::A1 => "Mới bắt đầu",
            CefrLevel::A2 => "Sơ cấp",
            CefrLevel::B1 => "Trung cấp",
            CefrLevel::B2 => "Trung cao cấp",
            CefrLevel::C1 => "Cao cấp",
            CefrLevel::C2 => "Thành thạo",
        }
    }
}

impl fmt::Display for CefrLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of A1, A2, B1, B2, C1, C2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a CEFR level (A1, A2, B1, B2, C1, C2)")]
pub struct NotACefrLevel(pub String);

impl FromStr for CefrLevel {
    type Err = NotACefrLevel;

    /// Accepts exactly "A1" … "C2", ignoring case and surrounding space. Sub-levels such as
    /// CEFR-J's "A1.1" are not accepted here; callers that read them strip the suffix first.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        CefrLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| NotACefrLevel(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_refuses_anything_else() {
        assert_eq!("b2".parse::<CefrLevel>(), Ok(CefrLevel::B2));
        assert_eq!(" C1 ".parse::<CefrLevel>(), Ok(CefrLevel::C1));
        for bad in ["", "A0", "C3", "B", "A1.1", "intermediate"] {
            assert!(bad.parse::<CefrLevel>().is_err(), "{bad} must be refused");
        }
        assert!(CefrLevel::A1 < CefrLevel::C2);
        assert_eq!(CefrLevel::B1.rank(), 3);
    }
}
