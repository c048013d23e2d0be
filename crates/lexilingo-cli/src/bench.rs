//! `lexilingo bench`: speed through the whole stack (this CLI → the worker process →
//! llama-cpp-2 → llama.cpp), in the units llama.cpp's own `llama-bench` reports, plus time to
//! first token, per-task latency, model load time and the worker's peak memory.

use std::time::Instant;

use lexilingo_core::engine::{CancellationToken, ChatMessage, GenerateRequest, Role};
use lexilingo_core::tasks::DialogueSettings;
use lexilingo_core::Tutor;
use serde_json::json;

/// Words for prompts of a chosen length; a different first word per run keeps the prompt
/// cache from reusing an earlier run.
const FILLER: &str =
    "the learner writes a short sentence about school family food travel work and \
friends every day and the tutor reads it carefully before answering with a kind explanation";

fn prompt_words(n: usize, run: usize) -> String {
    let words: Vec<&str> = FILLER.split_whitespace().collect();
    let mut out = vec![format!("run{run}")];
    out.extend((0..n).map(|i| words[i % words.len()].to_string()));
    out.join(" ")
}

/// What `lexilingo bench` measures.
pub struct Settings {
    /// Prompt tokens (about) for prompt processing.
    pub n_prompt: usize,
    /// Tokens generated per repetition.
    pub n_gen: u32,
    /// Repetitions of each measurement.
    pub repetitions: usize,
    /// Skip the tutoring tasks (a shape twin's answers are noise).
    pub speed_only: bool,
    /// A sentence to time whole analyses of.
    pub analyze: Option<String>,
    /// Token counts to cut that analysis's generations at (empty: not cut).
    pub cut_generations: Vec<u32>,
}

/// Runs the benchmark and prints a table, or one JSON object with `--json`.
pub async fn run(tutor: Tutor, settings: Settings, json_out: bool) -> anyhow::Result<()> {
    let Settings {
        n_prompt,
        n_gen,
        repetitions,
        speed_only,
        analyze,
        cut_generations,
    } = settings;
    let engine = tutor.engine().clone();
    let cancel = CancellationToken::new();
    let load_started = Instant::now();
    let info = engine.model_info().await?;
    let load_wall_ms = load_started.elapsed().as_millis() as u64;

    // Prompt processing: one token generated, so the time is the prompt's.
    let (mut pp_tokens, mut pp_ms, mut pp_samples) = (0u64, 0u64, Vec::new());
    for r in 0..repetitions {
        let words = prompt_words(n_prompt.saturating_sub(12), r);
        let req = GenerateRequest::text(vec![ChatMessage::new(Role::User, words)], 1);
        let g = engine.generate(req, |_| {}, &cancel).await?;
        let n = u64::from(g.prompt_tokens - g.cached_tokens);
        pp_tokens += n;
        pp_ms += g.prompt_ms.max(1);
        pp_samples.push(n as f64 * 1000.0 / g.prompt_ms.max(1) as f64);
    }
    // Generation: greedy, as every tutoring task decodes (llama-bench does not sample at all;
    // a top-k/top-p chain over a 49k vocabulary would measure the sampler, not the stack). A
    // story prompt keeps the model from stopping before `n_gen` tokens.
    // llama-bench runs each test in a fresh context. Start generation from an empty KV cache
    // too (a new worker): the prompts cached above would otherwise widen the span of cells
    // every generated token attends over, which is a different workload, not the stack's cost.
    engine.shutdown().await;
    engine.model_info().await?;
    let (mut tg_tokens, mut tg_ms, mut ttft_ms) = (0u64, 0u64, Vec::new());
    let mut tg_samples = Vec::new();
    for r in 0..repetitions {
        let req = GenerateRequest {
            ..GenerateRequest::text(
                vec![ChatMessage::new(
                    Role::User,
                    format!("Story {r}: write a very long story about a cat in Hanoi."),
                )],
                n_gen,
            )
        };
        let started = Instant::now();
        let mut first: Option<u64> = None;
        let g = engine
            .generate(
                req,
                |_| {
                    first.get_or_insert_with(|| started.elapsed().as_millis() as u64);
                },
                &cancel,
            )
            .await?;
        tg_tokens += u64::from(g.generated_tokens);
        tg_ms += g.generation_ms.max(1);
        tg_samples.push(f64::from(g.generated_tokens) * 1000.0 / g.generation_ms.max(1) as f64);
        ttft_ms.extend(first);
    }
    // The same generation constrained by a JSON schema (a grammar), as the tutoring tasks
    // decode: the cost of the grammar per token.
    engine.shutdown().await;
    engine.model_info().await?;
    let (mut cg_tokens, mut cg_ms, mut cg_samples) = (0u64, 0u64, Vec::new());
    for r in 0..repetitions {
        let schema = json!({
            "type": "object",
            "properties": { "story": { "type": "string" } },
            "required": ["story"]
        });
        let req = GenerateRequest::json(
            vec![ChatMessage::new(
                Role::User,
                format!("Story {r}: write a very long story about a cat in Hanoi, as JSON."),
            )],
            schema,
            n_gen,
        );
        let g = engine.generate(req, |_| {}, &cancel).await?;
        cg_tokens += u64::from(g.generated_tokens);
        cg_ms += g.generation_ms.max(1);
        cg_samples.push(f64::from(g.generated_tokens) * 1000.0 / g.generation_ms.max(1) as f64);
    }
    let constrained_tg = cg_tokens as f64 * 1000.0 / cg_ms as f64;
    let pp = pp_tokens as f64 * 1000.0 / pp_ms as f64;
    let tg = tg_tokens as f64 * 1000.0 / tg_ms as f64;
    let ttft = ttft_ms.iter().sum::<u64>() as f64 / ttft_ms.len().max(1) as f64;

    let peak_rss_after_speed = engine.worker_pid().await.and_then(peak_rss_kb);
    let (tasks, analyze_over_slowest) = if speed_only {
        (serde_json::Map::new(), None)
    } else {
        let (tasks, ratio) = task_latencies(&tutor, &cancel).await?;
        (tasks, Some(ratio))
    };
    let whole = match &analyze {
        Some(sentence) => {
            Some(whole_analyses(&tutor, sentence, &cut_generations, repetitions, &cancel).await?)
        }
        None => None,
    };
    let peak_rss_mb = engine
        .worker_pid()
        .await
        .and_then(peak_rss_kb)
        .or(peak_rss_after_speed)
        .map(|kb| kb as f64 / 1024.0);
    let report = json!({
        "model": info.name,
        "threads": info.threads,
        "n_ctx": info.n_ctx,
        "model_size_mb": info.size_bytes as f64 / 1_048_576.0,
        "n_params": info.n_params,
        "n_prompt": n_prompt,
        "n_gen": n_gen,
        "repetitions": repetitions,
        "pp_tokens_per_s": pp,
        "tg_tokens_per_s": tg,
        "pp_samples_tokens_per_s": pp_samples,
        "tg_samples_tokens_per_s": tg_samples,
        "constrained_tg_samples_tokens_per_s": cg_samples,
        "analyze_over_slowest_subtask": analyze_over_slowest,
        "constrained_tg_tokens_per_s": constrained_tg,
        "constrained_slowdown": 1.0 - constrained_tg / tg,
        "time_to_first_token_ms": ttft,
        "task_latency_ms": tasks,
        "model_load_ms": info.load_ms,
        "worker_start_and_load_ms": load_wall_ms,
        "worker_peak_rss_mb": peak_rss_mb,
        "analyze": whole,
    });
    if json_out {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("model {} · {} threads", info.name, info.threads);
        println!("prompt processing   {pp:>8.1} tok/s");
        println!("generation          {tg:>8.1} tok/s");
        println!("  with a JSON grammar {constrained_tg:>6.1} tok/s");
        println!("time to first token {ttft:>8.0} ms");
        for (k, v) in report["task_latency_ms"].as_object().into_iter().flatten() {
            println!("{k:<19} {v:>8} ms");
        }
        println!("model load          {:>8} ms", info.load_ms);
        if let Some(mb) = peak_rss_mb {
            println!("worker peak RSS     {mb:>8.0} MB");
        }
        if let Some(w) = &report["analyze"].as_object() {
            println!(
                "whole analyze       cold {} ms, warm {} ms (median)",
                w["cold_ms"], w["warm_ms_median"]
            );
        }
    }
    Ok(())
}

/// Whole analyses of `sentence`, timed here in the CLI (the worker's process boundary
/// included): the first one cold (nothing cached), then `repetitions` warm ones. With `cuts`,
/// each analysis's generations are cut at those token counts ([`lexilingo_core::engine::Engine::cut_generations`]).
async fn whole_analyses(
    tutor: &Tutor,
    sentence: &str,
    cuts: &[u32],
    repetitions: usize,
    cancel: &CancellationToken,
) -> anyhow::Result<serde_json::Value> {
    let mut samples = Vec::new();
    let mut timings = Vec::new();
    for _ in 0..=repetitions {
        tutor.engine().cut_generations(cuts.iter().copied());
        let t = Instant::now();
        let result = tutor.analyze(sentence, cancel).await?;
        samples.push(t.elapsed().as_millis() as u64);
        timings.push(result.timings_ms);
    }
    tutor.engine().cut_generations([]);
    let mut warm = samples[1..].to_vec();
    warm.sort_unstable();
    Ok(json!({
        "sentence": sentence,
        "words": sentence.split_whitespace().count(),
        "cut_generations": cuts,
        "cold_ms": samples[0],
        "warm_ms": &samples[1..],
        "warm_ms_median": warm[warm.len() / 2],
        "parts_ms_last": timings.last(),
    }))
}

/// Each tutoring task's latency, once, in the order `analyze` runs them; then the warm
/// analysis against its slowest warm sub-task (their ratio is returned too).
async fn task_latencies(
    tutor: &Tutor,
    cancel: &CancellationToken,
) -> anyhow::Result<(serde_json::Map<String, serde_json::Value>, f64)> {
    let cancel = cancel.clone();
    let sentence = "She don't like apples.";
    let mut tasks = serde_json::Map::new();
    let mut time = |name: &str, t: Instant| {
        tasks.insert(name.into(), json!(t.elapsed().as_millis() as u64));
    };
    let t = Instant::now();
    tutor.correct_grammar(sentence, &cancel).await?;
    time("correction", t);
    let t = Instant::now();
    tutor.analyze_fluency(sentence, &cancel).await?;
    time("fluency", t);
    let t = Instant::now();
    tutor.classify_vocabulary(sentence, &cancel).await?;
    time("cefr", t);
    let t = Instant::now();
    tutor
        .explain_error("I feel very blue today.", "I feel very sad today.", &cancel)
        .await?;
    time("explanation", t);
    let t = Instant::now();
    tutor
        .generate_dialogue(
            &[],
            "Hello! How are you?",
            &DialogueSettings::default(),
            |_| {},
            &cancel,
        )
        .await?;
    time("dialogue", t);
    let t = Instant::now();
    tutor.analyze("I have two apple.", &cancel).await?;
    time("analyze", t);
    // Warm: the same analysis again, with every task's system prompt in the KV cache, against
    // the slowest single sub-task, warm. Each is the fastest of three runs: on a shared machine
    // interference only ever adds time, so the minimum is the least noisy estimate, and both
    // sides get the same estimator.
    let sentence = "I have two apple.";
    let mut analyze_warm = u64::MAX;
    let (mut correction_warm, mut fluency_warm) = (u64::MAX, u64::MAX);
    for _ in 0..3 {
        let t = Instant::now();
        tutor.analyze(sentence, &cancel).await?;
        analyze_warm = analyze_warm.min(t.elapsed().as_millis() as u64);
        let t = Instant::now();
        tutor.correct_grammar(sentence, &cancel).await?;
        correction_warm = correction_warm.min(t.elapsed().as_millis() as u64);
        let t = Instant::now();
        tutor.analyze_fluency(sentence, &cancel).await?;
        fluency_warm = fluency_warm.min(t.elapsed().as_millis() as u64);
    }
    tasks.insert("analyze_warm".into(), json!(analyze_warm));
    tasks.insert("correction_warm".into(), json!(correction_warm));
    tasks.insert("fluency_warm".into(), json!(fluency_warm));
    let slowest = correction_warm.max(fluency_warm);
    tasks.insert("slowest_subtask_warm".into(), json!(slowest));
    Ok((tasks, analyze_warm as f64 / slowest.max(1) as f64))
}

/// Peak resident memory of a process (Linux `VmHWM`).
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
