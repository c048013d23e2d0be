//! Whether this CPU can run the llama.cpp this program was built with.
//!
//! llama.cpp's CPU code is compiled for a set of vector instructions (AVX2 in the default
//! build); on a CPU without one of them the model worker dies of `SIGILL` at its first
//! matrix product, which a learner would see as "the model stopped unexpectedly", again and
//! again. So before a worker is started, the instructions the build uses (ggml reports them
//! from its compile-time flags: `ggml_cpu_has_*` return constants and run no vector code) are
//! compared with what the CPU says it has (`cpuid`, through `is_x86_feature_detected!`), and
//! a missing one is a clear error instead.

/// Each instruction set this build's llama.cpp uses, by name, with whether the CPU has it.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)] // the ggml calls below: no arguments, no pointers, a constant returned
fn needed() -> Vec<(&'static str, bool)> {
    use llama_cpp_sys_2 as sys;
    // SAFETY: these ggml functions take no arguments and return a compile-time constant.
    let built = |f: unsafe extern "C" fn() -> std::os::raw::c_int| unsafe { f() } != 0;
    let all = [
        (
            "AVX",
            built(sys::ggml_cpu_has_avx),
            std::arch::is_x86_feature_detected!("avx"),
        ),
        (
            "AVX2",
            built(sys::ggml_cpu_has_avx2),
            std::arch::is_x86_feature_detected!("avx2"),
        ),
        (
            "FMA",
            built(sys::ggml_cpu_has_fma),
            std::arch::is_x86_feature_detected!("fma"),
        ),
        (
            "F16C",
            built(sys::ggml_cpu_has_f16c),
            std::arch::is_x86_feature_detected!("f16c"),
        ),
        (
            "BMI2",
            built(sys::ggml_cpu_has_bmi2),
            std::arch::is_x86_feature_detected!("bmi2"),
        ),
        (
            "AVX-512",
            built(sys::ggml_cpu_has_avx512),
            std::arch::is_x86_feature_detected!("avx512f"),
        ),
    ];
    all.into_iter()
        .filter(|(_, built, _)| *built)
        .map(|(name, _, has)| (name, has))
        .collect()
}

#[cfg(not(target_arch = "x86_64"))]
fn needed() -> Vec<(&'static str, bool)> {
    Vec::new()
}

/// The instruction sets this build needs and this CPU lacks (empty when the model can run).
pub fn missing_instructions() -> Vec<&'static str> {
    missing(&needed())
}

fn missing(needed: &[(&'static str, bool)]) -> Vec<&'static str> {
    needed
        .iter()
        .filter(|(_, has)| !has)
        .map(|(name, _)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_the_build_uses_and_the_cpu_lacks_is_missing() {
        assert_eq!(
            missing(&[("AVX", true), ("AVX2", false), ("FMA", false)]),
            ["AVX2", "FMA"]
        );
        assert!(missing(&[("AVX", true)]).is_empty());
    }

    #[test]
    fn this_machine_runs_its_own_build() {
        assert!(
            missing_instructions().is_empty(),
            "{:?}",
            missing_instructions()
        );
    }
}
