"""Runs the same screening queries through guomen, rapidfuzz and nomenklatura; prints a table.
With --data, first compares Latin <-> Han and Latin <-> Cyrillic names on the held-out Wikidata
pairs: guomen names compare, rapidfuzz on a plain romanisation (pypinyin, unidecode) and
nomenklatura.

Queries: half are perturbed list names (order swap, one typo, a part dropped) with the entry's
birth date, half are names assembled from parts of different entries with a random birth date
("false alerts" counts any hit on those: the synthetic name pool is small, so some are real
namesakes; guomen also weighs the birth date, the name-only peers cannot).
Latency of guomen is its own per-query screening time (`--timings`); throughput is queries over
wall time after the index is built. The Python peers are timed per query around the scan.
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import time


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def make_queries(entries, n, seed=7):
    rnd = random.Random(seed)
    queries = []
    for i in range(n):
        if i % 2 == 0:
            e = rnd.choice(entries)
            parts = e["names"][0].replace(",", " ").split()
            kind = rnd.choice(["swap", "typo", "drop", "same"])
            if kind == "swap":
                parts = parts[::-1]
            elif kind == "typo":
                j = rnd.randrange(len(parts))
                p = parts[j]
                if len(p) > 3:
                    k = rnd.randrange(1, len(p) - 1)
                    p = p[:k] + p[k + 1] + p[k] + p[k + 2:]
                parts[j] = p
            elif kind == "drop" and len(parts) > 2:
                parts.pop(rnd.randrange(1, len(parts)))
            q = {"id": f"p{i}", "name": " ".join(parts), "expect": e["id"]}
            if e.get("birth_dates"):
                q["birth_date"] = e["birth_dates"][0]
        else:
            a, b = rnd.choice(entries), rnd.choice(entries)
            pa = a["names"][0].replace(",", " ").split()
            pb = b["names"][0].replace(",", " ").split()
            # A traveller with a recombined name and a birth date of their own.
            dob = f"{rnd.randrange(1950, 2006)}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}"
            q = {"id": f"n{i}", "name": f"{pa[0]} {pb[-1]}", "birth_date": dob, "expect": None}
        queries.append(q)
    return queries


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def run_guomen(binary, n, queries):
    payload = "".join(
        json.dumps({k: v for k, v in q.items() if k != "expect"}) + "\n" for q in queries
    )
    t0 = time.perf_counter()
    subprocess.run([binary, "screen", "--synth", str(n)], input="", text=True, check=True,
                   capture_output=True)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = subprocess.run([binary, "screen", "--synth", str(n), "--timings"], input=payload,
                         text=True, check=True, capture_output=True).stdout
    wall = time.perf_counter() - t0 - build
    rows = [json.loads(line) for line in out.splitlines()]
    lat = [r["elapsed_us"] / 1000 for r in rows]
    tops = [(r["hits"][0]["entry_id"] if r["hits"] else None) for r in rows]
    return lat, max(wall, 1e-9), tops, build


def run_rapidfuzz(entries, queries):
    from rapidfuzz import fuzz, process, utils

    choices, owner = [], []
    for e in entries:
        for name in e["names"]:
            choices.append(utils.default_process(name))
            owner.append(e["id"])
    lat, tops = [], []
    t_all = time.perf_counter()
    for q in queries:
        t0 = time.perf_counter()
        best = process.extractOne(utils.default_process(q["name"]), choices,
                                  scorer=fuzz.token_sort_ratio, score_cutoff=84)
        lat.append((time.perf_counter() - t0) * 1000)
        tops.append(owner[best[2]] if best else None)
    return lat, time.perf_counter() - t_all, tops


def run_nomenklatura(entries, queries):
    from nomenklatura.matching.compare.names import _align_name_parts, _name_parts
    from rigour.text.distance import is_levenshtein_plausible, jaro_winkler

    table = []
    for e in entries:
        for name in e["names"]:
            parts = _name_parts(name)
            table.append((parts, "".join(parts), e["id"]))

    def score(qp, qs, rp, rs):
        # nomenklatura's person_name_jaro_winkler for one pair of names.
        s = 0.0
        if is_levenshtein_plausible(qs, rs):
            s = jaro_winkler(qs, rs) ** len(qs)
        return max(s, _align_name_parts(list(qp), list(rp)))

    lat, tops = [], []
    t_all = time.perf_counter()
    for q in queries:
        t0 = time.perf_counter()
        qp = _name_parts(q["name"])
        qs = "".join(qp)
        best, best_id = 0.0, None
        for rp, rs, eid in table:
            s = score(qp, qs, rp, rs)
            if s > best:
                best, best_id = s, eid
        lat.append((time.perf_counter() - t0) * 1000)
        tops.append(best_id if best >= 0.84 else None)
    return lat, time.perf_counter() - t_all, tops


def quality(queries, tops):
    pos = [(q, t) for q, t in zip(queries, tops) if q["expect"]]
    neg = [(q, t) for q, t in zip(queries, tops) if not q["expect"]]
    found = sum(1 for q, t in pos if t == q["expect"])
    alerted = sum(1 for _, t in neg if t)
    return found / max(1, len(pos)), alerted / max(1, len(neg))


def held_out_pairs(path, script):
    """The Wikidata pairs the learned table never saw: the same split as
    `scripts/gen-translit-table` and `crates/screen/tests/eval.rs` (one Latin key in ten by
    CRC-32, Mongolian-looking spellings apart)."""
    import importlib.machinery
    import os
    gen = importlib.machinery.SourceFileLoader(
        "gen_translit_table",
        os.path.join(os.path.dirname(__file__), "../../scripts/gen-translit-table")).load_module()
    ok = gen.is_han if script == "han" else gen.is_cyr
    pairs = gen.read_pairs(path, ok)
    out = []
    for lat, src, raw in pairs:
        if not gen.is_mongolian_latin(lat) and gen.held_out(lat):
            out.append((raw, src))
    return out


def negatives(pairs):
    """Each Latin spelling against the target of three other pairs: different people."""
    neg = []
    n = len(pairs)
    for i, (a, b) in enumerate(pairs):
        for step in (7, 13, 101):
            other = pairs[(i * step + 3) % n][1]
            if other != b:
                neg.append((a, other))
    return neg


def cross_script(binary, data, limit):
    """Latin <-> Han and Latin <-> Cyrillic on held-out Wikidata pairs: guomen names compare at
    its default threshold, against rapidfuzz on a plain romanisation (pypinyin for Han,
    unidecode for Cyrillic) and nomenklatura's name comparison, each at its own usual cut-off."""
    import os
    rows = []
    for script, file in (("han", "wd_chinese_80"), ("cyrillic", "wd_russian_80")):
        pos = held_out_pairs(os.path.join(data, "wikidata_translit_pairs", file), script)[:limit]
        neg = negatives(pos)
        both = [(a, b, True) for a, b in pos] + [(a, b, False) for a, b in neg]
        payload = "".join(json.dumps({"left": a, "right": b}) + "\n" for a, b, _ in both)
        out = subprocess.run([binary, "names", "compare"], input=payload, text=True,
                             check=True, capture_output=True).stdout.splitlines()
        scores = [json.loads(line)["match"] for line in out]
        rows.append((f"guomen names compare, latin<->{script}", rates(both, scores)))
        try:
            from rapidfuzz import fuzz, utils
            if script == "han":
                from pypinyin import lazy_pinyin
                roman = lambda s: "".join(lazy_pinyin(s))  # noqa: E731
                label = "rapidfuzz ratio on plain pinyin"
            else:
                from unidecode import unidecode
                roman = unidecode
                label = "rapidfuzz ratio on unidecode"
            m = [fuzz.ratio(utils.default_process(a), utils.default_process(roman(b))) >= 84
                 for a, b, _ in both]
            rows.append((f"{label}, latin<->{script}", rates(both, m)))
        except ImportError as e:
            print(f"baseline unavailable: {e}", file=sys.stderr)
        try:
            from nomenklatura.matching.compare.names import _align_name_parts, _name_parts
            m = []
            for a, b, _ in both:
                m.append(_align_name_parts(_name_parts(a), _name_parts(b)) >= 0.84)
            rows.append((f"nomenklatura name parts, latin<->{script}", rates(both, m)))
        except ImportError as e:
            print(f"nomenklatura unavailable: {e}", file=sys.stderr)
    print(f"\nheld-out Wikidata pairs (at most {limit} per script; false = pairs of two "
          f"different people's names)\n")
    print("| method | pairs | recall | false matches |")
    print("|---|---:|---:|---:|")
    for name, (n, rec, fm) in rows:
        print(f"| {name} | {n} | {rec:.3f} | {fm:.2%} |")


def rates(both, matches):
    pos = [m for (_, _, same), m in zip(both, matches) if same]
    neg = [m for (_, _, same), m in zip(both, matches) if not same]
    return len(pos), sum(pos) / max(1, len(pos)), sum(neg) / max(1, len(neg))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guomen", required=True)
    ap.add_argument("--entries", type=int, required=True)
    ap.add_argument("--list", required=True)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--nomenklatura-queries", type=int, default=20)
    ap.add_argument("--work", required=True)
    ap.add_argument("--data", help="shared screening data folder: adds the cross-script table")
    ap.add_argument("--cross-script-pairs", type=int, default=5000)
    a = ap.parse_args()
    if a.data:
        cross_script(a.guomen, a.data, a.cross_script_pairs)
    entries = load(a.list)
    queries = make_queries(entries, a.queries)
    rows = []
    lat, wall, tops, build = run_guomen(a.guomen, a.entries, queries)
    rows.append(("guomen screen (index)", len(queries), lat, wall, quality(queries, tops)))
    try:
        lat, wall, tops = run_rapidfuzz(entries, queries)
        rows.append(("rapidfuzz token_sort_ratio (scan)", len(queries), lat, wall,
                     quality(queries, tops)))
    except ImportError as e:
        print(f"rapidfuzz unavailable: {e}", file=sys.stderr)
    try:
        sub = queries[: a.nomenklatura_queries]
        lat, wall, tops = run_nomenklatura(entries, sub)
        rows.append(("nomenklatura person names (scan)", len(sub), lat, wall, quality(sub, tops)))
    except ImportError as e:
        print(f"nomenklatura unavailable: {e}", file=sys.stderr)
    print(f"\n{a.entries} synthetic entries, guomen index build {build:.2f} s\n")
    print(f"| engine | queries | median ms | p99 ms | queries/s | found first | false alerts |")
    print(f"|---|---:|---:|---:|---:|---:|---:|")
    for name, n, lat, wall, (recall, fa) in rows:
        print(f"| {name} | {n} | {statistics.median(lat):.3f} | {pct(lat, 99):.3f} | "
              f"{n / wall:,.0f} | {recall:.1%} | {fa:.1%} |")


if __name__ == "__main__":
    main()
