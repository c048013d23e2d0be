//! Benchmark: rule-based hints while typing (Harper), per sentence. Prints numbers; never fails
//! on time. The target is under 50 ms a sentence, so a hint can follow every keystroke pause.
//!
//! Sentences: learner sentences written here, plus JFLEG dev's sources when `../shared` sits
//! beside the repository (read at run time for measuring only, never shipped).
//! `cargo bench -p lexilingo-core --bench rule_hints --profile dev`.

use std::time::{Duration, Instant};

const TARGET_MS: f64 = 50.0;

const LEARNER: [&str; 12] = [
    "She don't like apples.",
    "Yesterday I go to the market with my mother and buy many vegetable.",
    "I am very interesting in learn English because it is important for my job.",
    "He have two brother and one sister who is living in Ha Noi.",
    "My teacher say that we must to do homework every day.",
    "I recieved your letter yesterday and I was very happy.",
    "This is an test of the rules.",
    "There is many people in the park on sunday.",
    "I think that the technology make our life more easier than before.",
    "When I was child, I always dream to become a doctor.",
    "She is a engineer and she work in a big company since 2015.",
    "Can you tell me where is the bus station?",
];

fn main() {
    let mut sentences: Vec<String> = LEARNER.iter().map(|s| s.to_string()).collect();
    let jfleg = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/eval/jfleg-dev/dev.src");
    if let Ok(text) = std::fs::read_to_string(&jfleg) {
        sentences.extend(
            text.lines()
                .take(300)
                .map(lexilingo_eval::tokens::detokenize),
        );
    }

    let started = Instant::now();
    lexilingo_core::language::rules::warm_up();
    let warm_up = started.elapsed();

    let mut times: Vec<Duration> = Vec::with_capacity(sentences.len());
    let mut hints = 0;
    for s in &sentences {
        let t = Instant::now();
        hints += lexilingo_core::language::rules::hints(s).len();
        let took = t.elapsed();
        if took > Duration::from_millis(200) {
            println!("  slow: {:.0} ms for {s:?}", took.as_secs_f64() * 1000.0);
        }
        times.push(took);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |p: f64| ms(times[((times.len() - 1) as f64 * p) as usize]);
    let chars: usize = sentences.iter().map(|s| s.chars().count()).sum();
    println!(
        "rule hints (harper-core), {} sentences, {:.0} chars on average, {hints} hints",
        sentences.len(),
        chars as f64 / sentences.len() as f64
    );
    println!(
        "  first use (dictionary + rules load)  {:>8.1} ms",
        ms(warm_up)
    );
    println!(
        "  per sentence p50                     {:>8.2} ms",
        pct(0.5)
    );
    println!(
        "  per sentence p95                     {:>8.2} ms",
        pct(0.95)
    );
    println!(
        "  per sentence max                     {:>8.2} ms",
        ms(times[times.len() - 1])
    );
    let verdict = if pct(0.95) < TARGET_MS {
        "meets"
    } else {
        "MISSES"
    };
    println!("  p95 {verdict} the {TARGET_MS} ms target");
}
