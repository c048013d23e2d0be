//! The closed word lists the confusion sets are built from: subjects and their verbs, time
//! words, quantifiers, collocations and their prepositions, -ed/-ing adjectives.

pub(super) const SUBJECTS: &[(&str, &str)] = &[
    ("i", "am"),
    ("you", "are"),
    ("we", "are"),
    ("they", "are"),
    ("he", "is"),
    ("she", "is"),
    ("it", "is"),
    ("this", "is"),
    ("that", "is"),
];

pub(super) const FINITE: &[&str] = &[
    "am", "is", "are", "was", "were", "be", "been", "do", "does", "did", "have", "has", "had",
    "can", "could", "will", "would", "shall", "should", "may", "might", "must", "'m", "'s", "'re",
    "’m", "’s", "’re",
];

pub(super) const MODALS: &[&str] = &[
    "can", "could", "will", "would", "should", "may", "might", "must", "shall",
];

pub(super) const DETERMINERS: &[&str] = &[
    "a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "that", "these",
    "those", "some", "any", "no", "every", "each", "one", "another",
];

/// A word's past form, from Harper's irregular table or the regular spelling rules, kept only
/// when the dictionary knows it as a past form.
pub(super) const PAST_MARKERS: &[&str] = &["yesterday", "ago"];
pub(super) const LAST_WORDS: &[&str] = &[
    "week",
    "night",
    "year",
    "month",
    "summer",
    "winter",
    "weekend",
    "time",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "spring",
    "autumn",
];
pub(super) const NUMBERS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "twenty", "hundred", "many", "several", "few", "these", "those", "both", "various", "numerous",
];
pub(super) const GERUND_AFTER: &[&str] = &[
    "like", "likes", "love", "loves", "enjoy", "enjoys", "hate", "hates", "finish", "finished",
    "avoid", "mind", "practise", "practice", "keep", "stop", "stopped", "enjoyed", "liked",
    "loved",
];
pub(super) const TO_AFTER: &[&str] = &[
    "want", "wants", "wanted", "need", "needs", "needed", "plan", "plans", "planned", "decide",
    "decided", "hope", "hoped", "try", "tried", "learn", "learned", "would",
];
/// Fixed prepositions after a word: (word, the preposition it takes).
pub(super) const COLLOCATIONS: &[(&str, &str)] = &[
    ("interested", "in"),
    ("good", "at"),
    ("afraid", "of"),
    ("proud", "of"),
    ("worried", "about"),
    ("married", "to"),
    ("depend", "on"),
    ("depends", "on"),
    ("listen", "to"),
    ("listened", "to"),
    ("listening", "to"),
    ("arrive", "in"),
    ("arrived", "in"),
    ("different", "from"),
    ("famous", "for"),
    ("responsible", "for"),
    ("similar", "to"),
];
/// Words of time after which in/on/at are confused (also read by the explanations).
pub(crate) const TIMES: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekend",
    "weekends",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "morning",
    "afternoon",
    "evening",
    "night",
    "noon",
    "midnight",
    "christmas",
    "birthday",
    "summer",
    "winter",
    "spring",
    "autumn",
    "o'clock",
];
/// Words of place after which in/on/at are confused.
pub(crate) const PLACES: &[&str] = &[
    "home",
    "school",
    "work",
    "university",
    "hospital",
    "airport",
    "station",
];
pub(super) const PREPOSITIONS: &[&str] =
    &["in", "on", "at", "to", "for", "of", "with", "about", "from"];
pub(super) const OBJECT_OF: &[(&str, &str)] = &[
    ("i", "me"),
    ("he", "him"),
    ("she", "her"),
    ("we", "us"),
    ("they", "them"),
];
pub(super) const ED_ING: &[&str] = &[
    "bor",
    "interest",
    "excit",
    "tir",
    "confus",
    "surpris",
    "disappoint",
    "frighten",
    "embarrass",
    "amaz",
    "annoy",
    "exhaust",
    "satisf",
    "worr",
    "shock",
    "relax",
    "terrif",
];
