//! Vietnamese explanations: one hand-written template per error type, filled with the edit's
//! words.
//!
//! Each follows the tutor voice of the original project, done consistently: what is wrong →
//! why (often: how Vietnamese differs) → the correct form → the rule. The learner is always
//! "em", the tone warm and short. A small model cannot write reliable Vietnamese, so these
//! templates are the floor every explanation stands on.

use crate::language::error_types::ErrorType;

/// The four parts of an explanation, before they are joined.
struct Template {
    what: &'static str,
    why: &'static str,
    rule: &'static str,
}

fn template(kind: ErrorType) -> Template {
    match kind {
        ErrorType::VerbTense => Template {
            what: "Động từ {o} chưa đúng thì rồi em nhé.",
            why: "Tiếng Việt chỉ thêm “đã”, “đang”, “sẽ” mà không đổi động từ, còn tiếng Anh phải đổi chính động từ theo thời gian của hành động.",
            rule: "Hành động đã xong trong quá khứ (yesterday, last week, ago) dùng quá khứ đơn: go → went, play → played.",
        },
        ErrorType::SubjectVerbAgreement => Template {
            what: "Em viết {o} chưa hợp với chủ ngữ của câu.",
            why: "Trong tiếng Việt động từ không thay đổi theo chủ ngữ, nhưng tiếng Anh thì có: chủ ngữ số ít ngôi thứ ba cần động từ khác đi.",
            rule: "Thì hiện tại đơn: He/She/It + động từ thêm -s/-es (do → does, have → has, go → goes); I/You/We/They + động từ nguyên mẫu.",
        },
        ErrorType::VerbForm => Template {
            what: "Dạng của động từ {o} chưa đúng ở vị trí này em nhé.",
            why: "Động từ đứng sau một số từ phải ở dạng nhất định, tiếng Việt không có quy tắc này nên rất dễ sót.",
            rule: "Sau can/will/should/must và sau “to” dùng động từ nguyên mẫu (can swim); sau have/has dùng quá khứ phân từ (have seen).",
        },
        ErrorType::MissingBe => Template {
            what: "Câu của em còn thiếu động từ “to be”.",
            why: "Tiếng Việt nói “Cô ấy vui” mà không cần từ nào giữa chủ ngữ và tính từ, nhưng tiếng Anh bắt buộc phải có “to be”.",
            rule: "Chủ ngữ + am/is/are (was/were) + tính từ, danh từ hoặc V-ing: She is happy.",
        },
        ErrorType::NounNumber => Template {
            what: "Danh từ {o} chưa đúng số ít hay số nhiều em nhé.",
            why: "Tiếng Việt dùng “các, những, hai…” mà danh từ giữ nguyên, còn tiếng Anh phải đổi chính danh từ khi có nhiều hơn một.",
            rule: "Danh từ đếm được số nhiều thêm -s/-es (apple → apples, box → boxes); sau one/a/every dùng số ít.",
        },
        ErrorType::Article => Template {
            what: "Chỗ {o} cần sửa mạo từ em nhé.",
            why: "Tiếng Việt không có mạo từ nên rất dễ quên hoặc dùng nhầm a, an, the.",
            rule: "Danh từ đếm được số ít cần mạo từ: “a” trước âm phụ âm, “an” trước âm nguyên âm (an apple, an hour); “the” khi cả hai người đều biết đang nói về cái nào.",
        },
        ErrorType::Preposition => Template {
            what: "Giới từ ở chỗ {o} chưa đúng em nhé.",
            why: "Giới từ tiếng Anh không dịch từng chữ từ tiếng Việt được: cùng là “ở” nhưng có lúc là in, lúc là at hay on.",
            rule: "in + thành phố, quốc gia, tháng, năm; on + ngày, thứ, bề mặt; at + giờ, địa điểm cụ thể. Em học giới từ đi kèm theo cụm nhé.",
        },
        ErrorType::WordOrder => Template {
            what: "Thứ tự các từ ở chỗ {o} chưa đúng em nhé.",
            why: "Tiếng Việt đặt tính từ sau danh từ (“áo đỏ”), còn tiếng Anh đặt trước (“red shirt”); vị trí trạng từ cũng khác.",
            rule: "Tiếng Anh: tính từ đứng trước danh từ; trạng từ tần suất (always, often) đứng trước động từ thường và sau “to be”.",
        },
        ErrorType::WordChoice => Template {
            what: "Từ {o} chưa hợp nghĩa trong câu này em nhé.",
            why: "Có những từ dịch sang tiếng Việt giống nhau nhưng người bản ngữ dùng trong ngữ cảnh khác nhau.",
            rule: "Em học từ theo cụm và câu ví dụ, đừng chỉ học nghĩa tiếng Việt của từng từ nhé.",
        },
        ErrorType::WordForm => Template {
            what: "Từ {o} đúng họ từ nhưng sai loại từ em nhé.",
            why: "Tiếng Việt dùng một từ cho nhiều vai trò, còn tiếng Anh đổi đuôi từ theo vai trò: danh từ, tính từ, trạng từ.",
            rule: "Tính từ bổ nghĩa cho danh từ (a quick run), trạng từ bổ nghĩa cho động từ (run quickly); danh từ thường có đuôi -ness, -tion, -ment.",
        },
        ErrorType::Spelling => Template {
            what: "Từ {o} bị viết sai chính tả em nhé.",
            why: "Cách viết tiếng Anh không theo đúng cách phát âm như tiếng Việt, nên nhiều từ phải nhớ mặt chữ.",
            rule: "Em đọc to và chép lại từ vài lần, để ý các chữ cái câm và phụ âm đôi.",
        },
        ErrorType::Punctuation => Template {
            what: "Dấu câu ở chỗ {o} cần sửa em nhé.",
            why: "Dấu câu giúp người đọc hiểu câu kết thúc ở đâu và các ý tách nhau thế nào.",
            rule: "Câu kể kết thúc bằng dấu chấm, câu hỏi bằng dấu chấm hỏi; viết tắt dùng dấu nháy đơn (don't, it's).",
        },
        ErrorType::Capitalization => Template {
            what: "Chữ {o} cần sửa cách viết hoa em nhé.",
            why: "Tiếng Anh viết hoa ở những chỗ tiếng Việt không viết hoa, và ngược lại.",
            rule: "Viết hoa chữ đầu câu, đại từ “I”, tên riêng, tên ngày, tháng, ngôn ngữ và quốc tịch (Monday, English, Vietnamese).",
        },
        ErrorType::MissingWord => Template {
            what: "Câu của em đang thiếu một từ ở đây.",
            why: "Tiếng Việt hay lược bớt từ khi nghĩa đã rõ, nhưng câu tiếng Anh cần đủ các thành phần.",
            rule: "Câu tiếng Anh đầy đủ cần chủ ngữ và động từ; em đọc lại từng cụm để xem còn thiếu từ nào không nhé.",
        },
        ErrorType::ExtraWord => Template {
            what: "Từ {o} là thừa trong câu này em nhé.",
            why: "Khi dịch từng chữ từ tiếng Việt, câu tiếng Anh dễ bị thừa từ.",
            rule: "Em bỏ từ thừa đi để câu gọn và đúng ngữ pháp hơn.",
        },
        ErrorType::Pronoun => Template {
            what: "Đại từ {o} chưa đúng vai trò trong câu em nhé.",
            why: "Tiếng Việt dùng “tôi, anh ấy” ở mọi vị trí, còn tiếng Anh đổi dạng đại từ theo vị trí trong câu.",
            rule: "Chủ ngữ: I, he, she, we, they; tân ngữ: me, him, her, us, them; sở hữu: my, his, her, our, their.",
        },
        ErrorType::Possessive => Template {
            what: "Cách diễn đạt sở hữu ở chỗ {o} chưa đúng em nhé.",
            why: "Tiếng Việt nói “sách của Lan”, còn tiếng Anh thường đặt người sở hữu lên trước và thêm 's.",
            rule: "Người/vật sở hữu + 's + vật được sở hữu: Lan's book; danh từ số nhiều tận cùng -s chỉ thêm dấu nháy: my parents' house.",
        },
        ErrorType::Comparison => Template {
            what: "Dạng so sánh ở chỗ {o} chưa đúng em nhé.",
            why: "Tiếng Việt chỉ thêm “hơn, nhất”, còn tiếng Anh đổi dạng tính từ tuỳ theo độ dài của từ.",
            rule: "Tính từ ngắn thêm -er/-est (tall → taller → tallest); tính từ dài dùng more/most (more beautiful); không dùng cả hai cùng lúc.",
        },
        ErrorType::ModalVerb => Template {
            what: "Động từ khuyết thiếu {o} chưa hợp nghĩa ở đây em nhé.",
            why: "Mỗi động từ khuyết thiếu mang một sắc thái riêng: khả năng, sự cho phép, lời khuyên hay sự bắt buộc.",
            rule: "can: có thể; may: được phép (lịch sự hơn); should: nên; must: phải. Sau chúng luôn là động từ nguyên mẫu.",
        },
        ErrorType::GerundInfinitive => Template {
            what: "Chỗ {o} cần dùng đúng dạng V-ing hoặc to V em nhé.",
            why: "Tiếng Việt không có sự phân biệt này, nhưng trong tiếng Anh mỗi động từ đi với một dạng nhất định.",
            rule: "enjoy, finish, avoid + V-ing; want, decide, plan + to V; sau giới từ luôn dùng V-ing.",
        },
        ErrorType::Quantifier => Template {
            what: "Từ chỉ số lượng {o} chưa hợp với danh từ đi sau em nhé.",
            why: "Tiếng Việt dùng “nhiều, ít” cho mọi danh từ, còn tiếng Anh phân biệt danh từ đếm được và không đếm được.",
            rule: "many/few + danh từ đếm được số nhiều; much/little + danh từ không đếm được; a lot of dùng được cho cả hai.",
        },
        ErrorType::Conjunction => Template {
            what: "Liên từ {o} chưa nối đúng hai ý em nhé.",
            why: "Tiếng Việt hay dùng cặp “vì… nên”, “tuy… nhưng”, còn tiếng Anh chỉ dùng một liên từ trong cặp đó.",
            rule: "Dùng because HOẶC so (không dùng cả hai); although HOẶC but (không dùng cả hai).",
        },
        ErrorType::Negation => Template {
            what: "Câu phủ định ở chỗ {o} chưa đúng em nhé.",
            why: "Tiếng Việt chỉ cần thêm “không”, còn tiếng Anh cần trợ động từ đi kèm “not”.",
            rule: "Chủ ngữ + do/does/did + not + động từ nguyên mẫu; với “to be” thì thêm not ngay sau: She is not / isn't.",
        },
        ErrorType::QuestionForm => Template {
            what: "Câu hỏi ở chỗ {o} chưa đúng cấu trúc em nhé.",
            why: "Tiếng Việt giữ nguyên trật tự và thêm “không?”, “à?” ở cuối, còn tiếng Anh phải đảo trợ động từ lên trước chủ ngữ.",
            rule: "(Từ để hỏi) + do/does/did hoặc am/is/are + chủ ngữ + động từ? Ví dụ: Where do you live?",
        },
        ErrorType::Other => Template {
            what: "Chỗ {o} cần sửa lại em nhé.",
            why: "Cách viết này chưa tự nhiên hoặc chưa đúng ngữ pháp tiếng Anh.",
            rule: "Em so sánh câu của mình với câu đã sửa và đọc to câu đúng vài lần để nhớ nhé.",
        },
    }
}

/// The Vietnamese text of a hint that is a suggestion, not a mistake ([`crate::language::rules::Hint`]'s
/// `optional`): a comma style asks for, or a respelling the tutor is not sure of. It must not
/// tell the learner they were wrong.
pub fn suggestion(kind: ErrorType, original: &str, replacement: &str) -> String {
    match kind {
        ErrorType::Punctuation => format!(
            "Sau “{original}” có thể thêm dấu phẩy cho câu dễ đọc hơn; không có dấu phẩy cũng \
             không sai em nhé."
        ),
        _ if replacement.is_empty() => {
            format!("Từ “{original}” không có trong từ điển. Em kiểm tra lại chính tả nhé.")
        }
        _ => format!(
            "Từ “{original}” không có trong từ điển. Có phải em định viết “{replacement}”? Em \
             kiểm tra lại nhé; nếu đó là tên riêng hay từ chuyên ngành thì cứ giữ nguyên."
        ),
    }
}

/// A spelling fix that only joins, splits or hyphenates words ("my self" → "myself").
/// Vietnamese writes every syllable apart, so this is its own lesson, not "learn the letters".
const WORD_BOUNDARY: Template = Template {
    what: "Từ {o} viết liền hay viết tách chưa đúng em nhé.",
    why: "Tiếng Việt viết mỗi tiếng tách rời, còn tiếng Anh có từ ghép viết liền (myself, everybody, cannot), có cụm viết tách (a lot, every day khi là “mỗi ngày”) và có từ nối bằng gạch ngang (well-being).",
    rule: "Khi chưa chắc một từ ghép viết liền, viết tách hay có gạch nối, em tra từ điển và học thuộc cả từ nhé.",
};

/// A spelling fix that only adds or moves an apostrophe ("dont" → "don't").
const APOSTROPHE: Template = Template {
    what: "Từ {o} còn thiếu hoặc đặt sai dấu nháy đơn em nhé.",
    why: "Tiếng Việt không có dấu nháy đơn trong từ, còn tiếng Anh dùng nó khi viết tắt (do not → don't) và khi chỉ sở hữu (Lan's book).",
    rule: "Dấu nháy đơn đứng đúng chỗ chữ bị lược bỏ: don't, I'm, it's (= it is); còn “its” không có dấu nháy nghĩa là “của nó”.",
};

/// "very" before a verb ("I very like") → "really".
const VERY_VERB: Template = Template {
    what: "Em dùng {o} ngay trước động từ em nhé.",
    why: "Tiếng Việt nói “rất thích”, nhưng trong tiếng Anh “very” chỉ đi với tính từ và trạng từ (very good, very fast), không đi với động từ.",
    rule: "Với động từ, dùng really + động từ (I really like it) hoặc động từ + very much (I like it very much).",
};

/// "bored" ↔ "boring".
const ED_ING: Template = Template {
    what: "Tính từ {o} chưa đúng dạng -ed hay -ing em nhé.",
    why: "Tiếng Việt chỉ có một từ “chán”, còn tiếng Anh phân biệt: -ed nói người cảm thấy thế nào, -ing nói cái gì gây ra cảm giác đó.",
    rule: "I am bored (em thấy chán) — the film is boring (bộ phim gây chán); tương tự interested/interesting, tired/tiring.",
};

/// The template for an edit: the type's, or for spelling, the lesson its letters call for.
fn template_for(kind: ErrorType, original: &str, replacement: &str) -> Template {
    let (o, r) = (
        original.trim().to_lowercase(),
        replacement.trim().to_lowercase(),
    );
    if kind == ErrorType::WordChoice && o == "very" && r == "really" {
        return VERY_VERB;
    }
    if kind == ErrorType::WordForm
        && ((o.ends_with("ed") && r.ends_with("ing")) || (o.ends_with("ing") && r.ends_with("ed")))
    {
        return ED_ING;
    }
    let without = |t: &str, marks: &[char]| {
        t.chars()
            .filter(|c| !marks.contains(c))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    if kind == ErrorType::Spelling && !original.is_empty() && !replacement.is_empty() {
        let boundary = [' ', '-', '\u{2010}'];
        if original != replacement
            && without(original, &boundary) == without(replacement, &boundary)
        {
            return WORD_BOUNDARY;
        }
        let apostrophes = ['\'', '\u{2019}'];
        if without(original, &apostrophes) == without(replacement, &apostrophes) {
            return APOSTROPHE;
        }
    }
    template(kind)
}

/// The Vietnamese explanation for one edit of type `kind` that turns `original` into
/// `replacement` (either may be empty for an insertion or a deletion).
pub fn explain(kind: ErrorType, original: &str, replacement: &str) -> String {
    let t = template_for(kind, original, replacement);
    let quoted = |s: &str| format!("“{s}”");
    let what = if original.is_empty() {
        t.what.replace("{o}", &quoted(replacement))
    } else {
        t.what.replace("{o}", &quoted(original))
    };
    let fix = match (original.is_empty(), replacement.is_empty()) {
        (true, _) => format!("Em thêm {} vào nhé.", quoted(replacement)),
        (_, true) => format!("Em bỏ {} đi nhé.", quoted(original)),
        _ if kind == ErrorType::Spelling => format!("Cách viết đúng là {}.", quoted(replacement)),
        _ => format!("Dạng đúng là {}.", quoted(replacement)),
    };
    format!("{what} {} {fix} Quy tắc: {}", t.why, t.rule)
}

/// Words of `sentence` before byte `start`, nearest first, lower-cased.
fn words_before(sentence: &str, start: usize) -> Vec<String> {
    let head = sentence.get(..start).unwrap_or("");
    head.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .rev()
        .map(|w| w.to_string())
        .collect()
}

/// Words of `sentence` after byte `end`, in order.
fn words_after(sentence: &str, end: usize) -> Vec<String> {
    let tail = sentence.get(end..).unwrap_or("");
    tail.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_string())
        .collect()
}

/// Time words that fix a tense: (word, points to the past). Only unambiguous ones: "when",
/// "then" or "once" say nothing of past or present on their own.
const TIME_WORDS: [(&str, bool); 11] = [
    ("yesterday", true),
    ("ago", true),
    ("last", true),
    ("tomorrow", false),
    ("next", false),
    ("soon", false),
    ("tonight", false),
    ("now", false),
    ("every", false),
    ("usually", false),
    ("always", false),
];

/// Words after which a noun is plural, or singular.
const PLURAL_MARKERS: [&str; 17] = [
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "many", "several",
    "few", "these", "those", "both", "all", "some",
];
const SINGULAR_MARKERS: [&str; 6] = ["one", "a", "an", "every", "each", "this"];

/// Subject pronouns and what they take in the present simple.
fn third_singular_subject(word: &str) -> Option<bool> {
    match word.to_lowercase().as_str() {
        "he" | "she" | "it" | "this" | "that" | "everyone" | "everybody" | "nobody" => Some(true),
        "i" | "you" | "we" | "they" | "these" | "those" | "people" => Some(false),
        _ => None,
    }
}

/// A past form that is not `lemma` + -ed ("buy" → "bought"), from Harper's irregular table.
fn irregular_past(form: &str) -> Option<String> {
    let verbs = harper_core::IrregularVerbs::curated();
    verbs
        .get_lemma_for_preterite(&form.to_lowercase())
        .map(|l| l.to_string())
}

/// One explanation, specific to where the edit sits in `sentence` (`start..end` are byte
/// offsets of `original` in it): it names the words the rule hangs on — the subject that
/// needs *doesn't*, the time word that needs the past, the number before a plural, the word
/// that takes *in*, the irregular past — and cites only the rule this edit breaks (a
/// collocation is not a time/place rule). The fix reads "Dạng đúng là …" for grammar and
/// "Cách viết đúng là …" only for spelling. Falls back to the type's template parts where
/// the sentence gives nothing more to say.
pub fn explain_in(
    kind: ErrorType,
    sentence: &str,
    start: usize,
    end: usize,
    original: &str,
    replacement: &str,
) -> String {
    let t = template_for(kind, original, replacement);
    let quoted = |s: &str| format!("“{s}”");
    let before = words_before(sentence, start);
    let after = words_after(sentence, end);
    let prev = before.first().map(String::as_str).unwrap_or("");
    let next = after.first().map(String::as_str).unwrap_or("");
    let (o, r) = (original.trim(), replacement.trim());
    let lower = |w: &str| w.to_lowercase();
    let mut what = if o.is_empty() {
        t.what.replace("{o}", &quoted(r))
    } else {
        t.what.replace("{o}", &quoted(o))
    };
    let mut why = t.why.to_string();
    let mut rule = t.rule.to_string();
    match kind {
        ErrorType::SubjectVerbAgreement => {
            // The subject: the nearest word before the verb that says which form it takes.
            let subject = before
                .iter()
                .take(3)
                .find(|w| third_singular_subject(w).is_some())
                .or(before.first());
            if let Some(subj) = subject {
                let singular = third_singular_subject(subj).unwrap_or_else(|| {
                    let r = lower(r);
                    r.ends_with('s') || r.starts_with("doesn") || r == "has" || r == "was"
                });
                what = if singular {
                    format!(
                        "Chủ ngữ {} là ngôi thứ ba số ít, nên động từ phải là {}, không phải {} em nhé.",
                        quoted(subj),
                        quoted(r),
                        quoted(o)
                    )
                } else {
                    format!(
                        "Chủ ngữ {} không phải ngôi thứ ba số ít, nên động từ là {}, không phải {} em nhé.",
                        quoted(subj),
                        quoted(r),
                        quoted(o)
                    )
                };
            }
        }
        ErrorType::VerbTense => {
            let time = before
                .iter()
                .rev()
                .chain(after.iter())
                .find_map(|w| TIME_WORDS.iter().find(|(t, _)| *t == lower(w)).copied());
            if let Some((word, past)) = time {
                what = if past {
                    format!(
                        "Trong câu có {} nên hành động đã xảy ra rồi: động từ {} phải ở thì quá khứ em nhé.",
                        quoted(word),
                        quoted(o)
                    )
                } else {
                    format!(
                        "Trong câu có {} nên động từ {} chưa hợp thì em nhé.",
                        quoted(word),
                        quoted(o)
                    )
                };
            }
            if let Some(lemma) = irregular_past(r) {
                if !lower(r).ends_with("ed") {
                    rule = format!(
                        "“{lemma}” là động từ bất quy tắc: quá khứ của nó là “{}”, không thêm -ed. Em học thuộc bảng động từ bất quy tắc nhé.",
                        lower(r)
                    );
                }
            } else if lower(r).ends_with("ed") && !o.is_empty() {
                rule = format!(
                    "Động từ có quy tắc thêm -ed ở thì quá khứ: {} → {}.",
                    lower(o),
                    lower(r)
                );
            }
        }
        ErrorType::NounNumber => {
            let marker = before.iter().take(3).find(|w| {
                let w = lower(w);
                PLURAL_MARKERS.contains(&w.as_str())
                    || SINGULAR_MARKERS.contains(&w.as_str())
                    || w.chars().all(|c| c.is_ascii_digit())
            });
            if let Some(m) = marker {
                let plural = !(SINGULAR_MARKERS.contains(&lower(m).as_str()) || m == "1");
                what = if plural {
                    format!(
                        "Sau {} danh từ phải ở số nhiều: {} chứ không phải {} em nhé.",
                        quoted(m),
                        quoted(r),
                        quoted(o)
                    )
                } else {
                    format!(
                        "Sau {} danh từ ở số ít: {} chứ không phải {} em nhé.",
                        quoted(m),
                        quoted(r),
                        quoted(o)
                    )
                };
            }
        }
        ErrorType::Article => {
            let noun = next;
            let (lo, lr) = (lower(o), lower(r));
            if lr == "an" && !noun.is_empty() {
                what = format!(
                    "{} bắt đầu bằng một âm nguyên âm nên mạo từ là “an” em nhé.",
                    quoted(noun)
                );
                rule = "“a” trước âm phụ âm (a book, a university), “an” trước âm nguyên âm (an apple, an hour): tính theo âm đọc, không theo chữ viết.".into();
            } else if lr == "a" && lo == "an" && !noun.is_empty() {
                what = format!(
                    "{} bắt đầu bằng một âm phụ âm nên mạo từ là “a” em nhé.",
                    quoted(noun)
                );
                rule = "“a” trước âm phụ âm (a book, a university), “an” trước âm nguyên âm (an apple, an hour): tính theo âm đọc, không theo chữ viết.".into();
            } else if o.is_empty() && !noun.is_empty() {
                what = format!(
                    "Trước {} còn thiếu mạo từ {} em nhé.",
                    quoted(noun),
                    quoted(r)
                );
            } else if r.is_empty() && !noun.is_empty() {
                what = format!(
                    "Trước {} không cần mạo từ {} em nhé.",
                    quoted(noun),
                    quoted(o)
                );
            }
        }
        ErrorType::Preposition => {
            let time_place = after.iter().take(3).any(|w| {
                let w = lower(w);
                crate::language::confusions::TIMES.contains(&w.as_str())
                    || w.chars().all(|c| c.is_ascii_digit())
            });
            if time_place && !r.is_empty() {
                what = format!(
                    "Trước {} dùng giới từ chỉ thời gian {} em nhé.",
                    quoted(next),
                    quoted(r)
                );
                rule = "in + tháng, năm, mùa, buổi (in May, in the morning); on + thứ, ngày (on Monday, on my birthday); at + giờ, lúc (at 7 o'clock, at night).".into();
            } else if !prev.is_empty() && r.is_empty() {
                what = format!(
                    "{} đi thẳng với tân ngữ, không cần giới từ {} em nhé.",
                    quoted(prev),
                    quoted(o)
                );
                why = "Tiếng Việt nói “thảo luận về”, “kết hôn với”, nhưng trong tiếng Anh một số động từ không cần giới từ: discuss something, marry someone.".into();
                rule = "Em học động từ cùng cách dùng của nó: discuss + tân ngữ, enter + nơi chốn, marry + người.".into();
            } else if !prev.is_empty() && !r.is_empty() {
                what = format!(
                    "{} đi với giới từ {}: “{} {}” em nhé.",
                    quoted(prev),
                    quoted(r),
                    prev,
                    r
                );
                why = "Giới từ đi sau một động từ hay tính từ là một cụm cố định, không dịch từng chữ từ tiếng Việt được.".into();
                rule = "Em học cả cụm: interested in, listen to, depend on, good at, afraid of, arrive at/in.".into();
            }
        }
        ErrorType::MissingBe => {
            if let (Some(subj), false) = (before.first(), next.is_empty()) {
                what = format!(
                    "Giữa {} và {} còn thiếu động từ “to be” em nhé.",
                    quoted(subj),
                    quoted(next)
                );
            }
        }
        ErrorType::VerbForm | ErrorType::GerundInfinitive => {
            let lp = lower(prev);
            let modal = [
                "can", "could", "will", "would", "should", "must", "may", "might", "to", "don't",
                "doesn't", "didn't", "do", "does", "did",
            ];
            if modal.contains(&lp.as_str()) {
                what = format!(
                    "Sau {} động từ ở dạng nguyên mẫu, nên {} chưa đúng em nhé.",
                    quoted(prev),
                    quoted(o)
                );
            } else if [
                "want", "wants", "need", "needs", "plan", "plans", "decide", "hope",
            ]
            .contains(&lp.as_str())
            {
                what = format!(
                    "Sau {} dùng “to” + động từ nguyên mẫu em nhé.",
                    quoted(prev)
                );
            }
        }
        _ => {}
    }
    let fix = match (o.is_empty(), r.is_empty()) {
        (true, _) => format!("Em thêm {} vào nhé.", quoted(r)),
        (_, true) => format!("Em bỏ {} đi nhé.", quoted(o)),
        _ if kind == ErrorType::Spelling => format!("Cách viết đúng là {}.", quoted(r)),
        _ => format!("Dạng đúng là {}.", quoted(r)),
    };
    format!("{what} {why} {fix} Quy tắc: {rule}")
}

#[cfg(test)]
mod tests;
