//! The five tasks and `analyze`, on the real test model.

use lexilingo_core::engine::{CancellationToken, ChatMessage, Role};
use lexilingo_core::error::InputError;
use lexilingo_core::language::lexicon::LexLevel;
use lexilingo_core::tasks::explanation::TypeSource;
use lexilingo_core::tasks::{max_sentences, Cut, DialogueSettings, ReplyGuard, VerdictKind};
use lexilingo_core::{Error, ErrorType};

use crate::common::{is_vietnamese, tutor};

const SENTENCES: &[&str] = &[
    "She don't like apples.",
    "I have two apple.",
    "She likes apples.",
    "Yesterday I go to the market with my mother.",
    "The committee postponed the decision indefinitely.",
];

#[tokio::test]
async fn fluency_is_a_score_in_range_with_a_reason() {
    let tutor = tutor();
    for s in SENTENCES {
        let r = tutor
            .analyze_fluency(s, &CancellationToken::new())
            .await
            .expect(s);
        assert!((0.0..=5.0).contains(&r.score), "{s}: {}", r.score);
        let model = r.model_score.expect("the model's own rating is kept");
        assert_eq!((model * 2.0).fract(), 0.0, "the model rates in half points");
        assert!(
            r.reason.starts_with("Câu"),
            "a Vietnamese reason: {}",
            r.reason
        );
    }
}

#[tokio::test]
async fn calibrated_fluency_ranks_a_broken_sentence_below_a_clean_one() {
    let tutor = tutor();
    let cancel = CancellationToken::new();
    let clean = tutor
        .analyze_fluency("I enjoy reading books in the evening.", &cancel)
        .await
        .expect("clean");
    let broken = tutor
        .analyze_fluency(
            "Him go school no yesterday becuse he sick and tird.",
            &cancel,
        )
        .await
        .expect("broken");
    assert!(
        clean.score > broken.score + 0.5,
        "clean {} vs broken {}",
        clean.score,
        broken.score
    );
    // The reason names what the rules found ("becuse", "tird" are misspelt).
    assert!(broken.reason.contains("chính tả"), "{}", broken.reason);
}

#[tokio::test]
async fn vocabulary_gives_a_level_and_every_word_a_level_or_unknown() {
    let tutor = tutor();
    for s in SENTENCES {
        let r = tutor
            .classify_vocabulary(s, &CancellationToken::new())
            .await
            .expect(s);
        let words: Vec<&str> = r.words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(words.len(), s.split_whitespace().count(), "{s}: {words:?}");
        for w in &r.words {
            assert_eq!(&s[w.start..w.end], w.word);
        }
    }
    let r = tutor
        .classify_vocabulary("Linh ate pho.", &CancellationToken::new())
        .await
        .expect("works");
    assert_eq!(r.words[0].level, LexLevel::Unknown, "a name is in no list");
    assert!(matches!(r.words[1].level, LexLevel::Known(_)), "ate → eat");
}

#[tokio::test]
async fn correction_fixes_agreement_and_leaves_a_correct_sentence_alone() {
    let tutor = tutor();
    let r = tutor
        .correct_grammar("She don't like apples.", &CancellationToken::new())
        .await
        .expect("works");
    assert!(!r.edits.is_empty(), "{r:?}");
    for e in &r.edits {
        assert_eq!(&r.original[e.start..e.end], e.original);
    }
    let ok = tutor
        .correct_grammar("She likes apples.", &CancellationToken::new())
        .await
        .expect("works");
    assert!(ok.edits.is_empty(), "{ok:?}");
    assert_eq!(ok.corrected, ok.original);
}

#[tokio::test]
async fn the_sentence_chooses_between_equally_close_respellings() {
    // The spell checker cannot tell these apart (each candidate costs the same or nearly);
    // the model, scoring the sentence with each, can. Misspellings from GUG sentences rated
    // perfect, where "the", "joint" and "arts" had been chosen.
    let tutor = tutor();
    for (sentence, fixed) in [
        (
            "So they are free to do things, even if thez are considered dangerous.",
            "even if they are",
        ),
        (
            "Another reason to joing a big company is job security.",
            "to join a big company",
        ),
        (
            "It has reached some oarts of North America.",
            "some parts of North America",
        ),
    ] {
        let r = tutor
            .correct_grammar(sentence, &CancellationToken::new())
            .await
            .expect("works");
        assert!(r.corrected.contains(fixed), "{sentence} → {}", r.corrected);
        assert!(
            r.edits.iter().all(|e| e.error_type == ErrorType::Spelling),
            "{:?}",
            r.edits
        );
    }
}

#[tokio::test]
async fn explanation_is_vietnamese_and_typed() {
    let tutor = tutor();
    let list = tutor
        .explain_error("She happy.", "She is happy.", &CancellationToken::new())
        .await
        .expect("works");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].error_type, ErrorType::MissingBe);
    assert_eq!(list[0].edit.error_type, list[0].error_type);
    assert!(
        is_vietnamese(&list[0].explanation_vi),
        "{}",
        list[0].explanation_vi
    );
    let same = tutor
        .explain_error("She is happy.", "She is happy.", &CancellationToken::new())
        .await;
    assert!(
        matches!(same, Err(Error::Input(InputError::NothingToExplain))),
        "{same:?}"
    );
}

#[tokio::test]
async fn an_edit_the_rules_cannot_type_is_typed_by_the_model_from_the_fixed_set() {
    // "homecontry" → "home country": a run-together word, misspelt too, becomes two words —
    // not the same letters, not a real word replaced, no article, verb form or -ing/to
    // pattern — so the rules answer `other` and the model must choose.
    let list = tutor()
        .explain_error(
            "I miss our homecontry.",
            "I miss our home country.",
            &CancellationToken::new(),
        )
        .await
        .expect("works");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].type_source, TypeSource::Model);
    assert_ne!(
        list[0].error_type,
        ErrorType::Other,
        "the model may not answer `other`"
    );
    assert!(is_vietnamese(&list[0].explanation_vi));
}

#[tokio::test]
async fn dialogue_streams_a_reply_with_history() {
    let tutor = tutor();
    let history = vec![
        ChatMessage::new(Role::User, "Hello! My name is Lan."),
        ChatMessage::new(
            Role::Assistant,
            "Hi Lan! Nice to meet you. Where are you from?",
        ),
    ];
    let mut streamed = String::new();
    let reply = tutor
        .generate_dialogue(
            &history,
            "I am from Hanoi.",
            &DialogueSettings::default(),
            |p| streamed.push_str(p),
            &CancellationToken::new(),
        )
        .await
        .expect("works");
    assert!(!reply.reply.is_empty());
    assert!(!reply.cancelled);
    // The reply is what streamed, cut where the guard stopped it (a token or two may have
    // streamed past the cut), at most the level's sentences and without a repeat.
    assert!(
        streamed.trim().starts_with(&reply.reply),
        "{streamed:?} vs {reply:?}"
    );
    let guard = ReplyGuard::new(max_sentences(DialogueSettings::default().level));
    assert_eq!(guard.check(&reply.reply), None, "{reply:?}");
    assert!(
        !matches!(
            guard.check(&format!("{} More", reply.reply)),
            Some(Cut::Repeating(_))
        ),
        "{reply:?}"
    );
    // Far fewer tokens than the limit: the model ran to the limit on every reply before.
    assert!(
        reply.tokens < DialogueSettings::default().max_tokens,
        "{reply:?}"
    );
}

#[tokio::test]
async fn analyze_she_dont_like_apples_end_to_end() {
    let r = tutor()
        .analyze("She don't like apples.", &CancellationToken::new())
        .await
        .expect("works");
    assert!((0.0..=5.0).contains(&r.fluency.score));
    assert!(!r.correction.edits.is_empty(), "{:?}", r.correction);
    assert_eq!(r.explanations.len(), r.correction.edits.len());
    for e in &r.explanations {
        assert!(is_vietnamese(&e.explanation_vi), "{}", e.explanation_vi);
        assert_eq!(e.edit.error_type, e.error_type);
    }
    assert_eq!(r.vocabulary.words.len(), 4);
}

/// A model rating that cannot be read (cut off here; from another model, a broken format)
/// does not fail the analysis: the fluency comes from the rules' fit, the rest is as usual.
#[tokio::test]
async fn an_unusable_model_rating_falls_back_to_the_rules_fluency() {
    let sentence = "She don't like apples.";
    let whole = tutor()
        .analyze(sentence, &CancellationToken::new())
        .await
        .expect("works");
    let cut = tutor();
    // The correction is generated first and is left whole (the test model's is about 30
    // tokens); the rating is cut after its first token, `{"`.
    cut.engine().cut_generations([256, 1]);
    let r = cut
        .analyze(sentence, &CancellationToken::new())
        .await
        .expect("an unusable rating is not an error");
    assert_eq!(r.fluency.model_score, None, "{:?}", r.fluency);
    assert!(whole.fluency.model_score.is_some(), "{:?}", whole.fluency);
    assert!((0.0..=5.0).contains(&r.fluency.score), "{:?}", r.fluency);
    assert!(r.fluency.reason.starts_with("Câu"), "{}", r.fluency.reason);
    assert_eq!(r.correction, whole.correction);
    assert_eq!(r.vocabulary, whole.vocabulary);
}

#[tokio::test]
async fn blank_and_overlong_input_is_refused_before_the_model() {
    let tutor = tutor();
    let blank = tutor.analyze("   ", &CancellationToken::new()).await;
    assert!(
        matches!(blank, Err(Error::Input(InputError::Blank))),
        "{blank:?}"
    );
    let long = "word ".repeat(300);
    let r = tutor
        .correct_grammar(&long, &CancellationToken::new())
        .await;
    assert!(
        matches!(r, Err(Error::Input(InputError::TooLong { .. }))),
        "{r:?}"
    );
    assert_eq!(
        tutor.engine().worker_pid().await,
        None,
        "no worker was started for bad input"
    );
}

#[tokio::test]
async fn analyze_gives_the_same_result_with_a_warm_prompt_cache() {
    let warm = tutor();
    let first = warm
        .analyze("I have two apple.", &CancellationToken::new())
        .await
        .expect("warm-up");
    let cached = warm
        .analyze("She don't like apples.", &CancellationToken::new())
        .await
        .expect("cached");
    let fresh = tutor()
        .analyze("She don't like apples.", &CancellationToken::new())
        .await
        .expect("fresh");
    assert_eq!(cached.correction, fresh.correction);
    assert_eq!(cached.fluency, fresh.fluency);
    assert_eq!(cached.vocabulary, fresh.vocabulary);
    println!(
        "analyze: first {} ms, with the system prompts cached {} ms, fresh worker {} ms",
        first.timings_ms.total, cached.timings_ms.total, fresh.timings_ms.total
    );
}

/// Correct English sentences with Vietnamese words, names, places, dishes and emoji in them
/// (the cases a learner reported, with and without diacritics).
const WITH_VIETNAMESE: &[&str] = &[
    "I love phở so much.",
    "Bánh mì is my favourite breakfast.",
    "Every morning I drink cà phê sữa đá.",
    "My English teacher is Ms. Hằng.",
    "Nguyễn is the most common family name in Vietnam.",
    "My friend Nguyen Van An lives in Da Nang.",
    "We spent Tet in Phu Quoc with my grandparents.",
    "She wore an ao dai to the party.",
    "We had banh mi and pho for lunch.",
    "Hội An is a beautiful old town.",
    "I had a great day 😀",
];

/// The whole pipeline with the real model never changes a Vietnamese word, name or emoji.
#[tokio::test]
async fn vietnamese_words_and_names_are_kept_exactly_as_typed() {
    let tutor = tutor();
    for s in WITH_VIETNAMESE {
        let protected = lexilingo_core::language::vietnamese::protected_spans(s);
        assert!(!protected.is_empty(), "{s}: nothing protected");
        let r = tutor.analyze(s, &CancellationToken::new()).await.expect(s);
        for e in &r.correction.edits {
            assert!(
                !protected.touches(e.start, e.end),
                "{s}: the edit {:?} → {:?} changes Vietnamese",
                e.original,
                e.replacement
            );
        }
        for &(a, b) in protected.spans() {
            assert!(
                r.correction.corrected.contains(&s[a..b]),
                "{s}: {:?} is gone from {:?}",
                &s[a..b],
                r.correction.corrected
            );
        }
        let hints = lexilingo_core::language::rules::hints(s);
        assert!(
            hints.iter().all(|h| !protected.touches(h.start, h.end)),
            "{s}: {hints:?}"
        );
    }
}

/// A sentence written in Vietnamese is answered with a friendly request for English, not
/// English "fixes", a score and a level.
#[tokio::test]
async fn a_sentence_in_vietnamese_asks_for_english() {
    let tutor = tutor();
    for s in ["Tôi thích học tiếng Anh.", "Hôm nay trời đẹp quá!"] {
        let err = tutor.analyze(s, &CancellationToken::new()).await.err();
        assert!(
            matches!(err, Some(Error::Input(InputError::NotEnglish))),
            "{s}: {err:?}"
        );
        let message = err.map(|e| e.message_vi()).unwrap_or_default();
        assert!(message.contains("tiếng Anh nhé"), "{message}");
        assert!(lexilingo_core::language::rules::hints(s).is_empty(), "{s}");
    }
}

/// The confusion-set candidates, judged by the real model, on typical Vietnamese-learner
/// sentences (tests/data/vietnamese-learners.tsv, dev data): most come back exactly as a
/// teacher would write them, every right sentence comes back untouched, and few wrong ones
/// are praised ("Câu đúng rồi" only when the verdict is sure). The numbers are printed;
/// docs/QUALITY.md records them.
#[tokio::test]
async fn typical_vietnamese_learner_mistakes_are_fixed_and_right_sentences_kept() {
    let tutor = tutor();
    let data = include_str!("../../../tests/data/vietnamese-learners.tsv");
    let (mut wrong, mut exact, mut called_correct, mut right, mut kept) = (0, 0, 0, 0, 0);
    let mut unsure = 0;
    for line in data
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cols = line.split('\t');
        let (Some(src), Some(teacher)) = (cols.next(), cols.next()) else {
            panic!("a bad line: {line}");
        };
        let analysis = tutor
            .analyze(src, &CancellationToken::new())
            .await
            .expect(src);
        let verdict = analysis.verdict.expect("a verdict").kind;
        let r = analysis.correction;
        assert_eq!(
            verdict == VerdictKind::Corrected,
            !r.edits.is_empty(),
            "the verdict says corrected exactly when there are edits: {src}"
        );
        if src == teacher {
            right += 1;
            if r.corrected == src {
                kept += 1;
            } else {
                eprintln!("changed a right sentence: {src} → {}", r.corrected);
            }
        } else {
            wrong += 1;
            if r.corrected == teacher {
                exact += 1;
            } else if r.corrected == src && verdict == VerdictKind::Correct {
                called_correct += 1;
                eprintln!("praised although wrong: {src}");
            } else if r.corrected == src {
                unsure += 1;
                eprintln!("not fixed, but not praised: {src}");
            } else {
                eprintln!("other fix: {src} → {} (teacher: {teacher})", r.corrected);
            }
        }
    }
    eprintln!(
        "Vietnamese-learner dev set: {exact}/{wrong} exact, {called_correct}/{wrong} called correct, {unsure}/{wrong} unsure, {kept}/{right} right sentences kept"
    );
    assert_eq!(kept, right, "every right sentence comes back untouched");
    assert!(exact * 10 >= wrong * 6, "{exact}/{wrong} exact");
    assert!(
        called_correct * 100 <= wrong * 15,
        "{called_correct}/{wrong} wrong sentences praised (the target is at most 15 %)"
    );
}
