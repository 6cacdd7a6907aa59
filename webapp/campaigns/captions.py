"""Sorting an Instagram caption into a report category: plain rules, no learning, so that anyone can read why.

`classify_caption(text)` returns a category key, or None when the rules are not sure: an unsure post is
imported *uncategorised* and waits in the queue of reports that need a place or a category, rather than being
guessed into a kind that would send a crew out (a positive post about good lighting must never become a
light-repair signal).

How a caption is read:

1. Lower-case; å/ä → a, ö → o, so that "morkt" (typed without dots) is "mörkt". A "#" starts a hashtag,
   whose compound words (#tryggtistan) are searched inside as well. A few emoji count as words.
2. Phrases whose negation comes after the verb ("funkar inte", "lyser inte", "svämmar över",
   "slagit sönder") are read as one word first.
3. The caption is split at a contrast ("men", "but"): the part after the last contrast counts double
   ("Bra att klottret är borta men nu är det fullt med skräp" is about litter).
4. Each word is a cue of one role:
   - PROBLEM  a problem of one category in itself (klotter, skräp, hål, krossad, igenvuxet …);
   - OBJECT   a thing that can be broken (lampa, papperskorg, bänk, trottoar …): a category only together
              with a BROKEN word in the same sentence (trasig, sönder, full, saknar …);
   - DARK / UNSAFE  darkness and unsafe feelings (mörkt, otryggt, läskigt, creepy …) → dark_unsafe;
   - SAFE     safe feelings and a cared-for place (tryggt, lugnt, ljust, rent, välskött …) → feels_safe;
   - GOOD     plain praise (bra, fint, skönt, 👍 …): only supports a place already named, never alone;
   - FIXED    a repair (lagat, borta, fixat …): the problems of that sentence are gone.
   A negation (inte, ingen, inga, not, no …) turns the next three words around: "inte trasig" and "inget
   klotter" speak for a fine place, "inte tryggt" for an unsafe one, "ingen belysning" for a dark one (no light
   is not a broken light).
5. Feelings prefer the safety-walk kinds: when the caption feels unsafe or dark, a broken light counts as
   *dark and unsafe* (triage decides broken or missing light) and a full bin as *littered*.
6. The best category wins only with a clear lead (at least 1 point, and more than the runner-up);
   otherwise the answer is None.

The rules were written against `tests/campaigns/captions.csv`; `bench/captions.py` prints the share sorted right.
"""
from __future__ import annotations

import re
import unicodedata

SAFETY_WALK_KINDS = ("dark_unsafe", "littered", "poorly_maintained", "feels_safe")
NEGATION_REACH = 3  # words after "inte" that it turns around

# Problems in themselves, by category. A stem matches a word that starts with it (folded: å, ä → a, ö → o).
PROBLEMS = {
    "graffiti": ("klotter", "klottr", "graffit", "grafitt", "grafit", "tagg", "tagat", "sprej", "spray", "tags"),
    "vandalism": ("skadegor", "krossad", "krossat", "krossade", "sonderslag", "vandal", "smashed", "xvandalx"),
    "littered": ("skrap", "nedskrap", "fimp", "sopor", "trash", "litter", "garbage", "rubbish", "glasflask",
                 "pizzakarton", "plastpas", "burkar", "hundbajs", "glassplitter", "glaskross", "skitig", "smutsig",
                 "dirty"),
    "poorly_maintained": ("ovard", "slitet", "sliten", "forfall", "sunkig", "ogras", "flagnar", "overgiv",
                          "rasat", "misskott", "run-down", "neglected"),
    "vegetation": ("igenvux", "buskar", "buskage", "hack", "hacken", "hackar", "skymmer", "grenar", "overgrown",
                   "xgrowsx"),
    "path_damage": ("hal", "halet", "halen", "halor", "grop", "pothole", "potholes", "sprickor", "snubbl"),
    "street_light": ("slackt", "slackta", "slackning", "blinkar", "xlightoutx"),
}
# Stems that must be the whole word (short ones that would otherwise match too much).
WHOLE_WORDS = {"hal", "halet", "halen", "halor", "tags", "hack", "los", "bin", "bins", "fin", "rent", "rena", "radd",
               "bra", "full", "fullt", "fulla", "mur", "mork", "no", "fix", "bank"}
# Things that can be broken: a category only together with a BROKEN word.
OBJECTS = {
    "street_light": ("gatlamp", "gatubelysning", "lampa", "lampan", "lampor", "lyktstolp", "belysning", "light",
                     "lights", "lamp", "streetlight"),
    "litter_bin": ("papperskorg", "soptunn", "sopkorg", "bin", "bins", "soptunna"),
    "park_furniture": ("bank", "banken", "bankar", "parkbank", "gunga", "gungan", "gungor", "rutschkan",
                       "lekplats", "klatterstall", "sandlad", "bench", "swing", "playground"),
    "path_damage": ("trottoar", "gangbana", "cykelvag", "cykelban", "gangvag", "asfalt", "kantsten", "plattor",
                    "pavement", "sidewalk"),
    "poorly_maintained": ("staket", "fasad", "mur"),
}
BROKEN = ("trasig", "sonder", "xbrokenx", "full", "fullt", "fulla", "overfull", "saknar", "saknas", "broken",
          "lutar", "lossnat", "los", "damaged", "overflowing", "spruck", "sprucken")
# Broken words that fit one kind of object only ("full" is a bin, never a bench).
BROKEN_FOR = {"full": "litter_bin", "fullt": "litter_bin", "fulla": "litter_bin", "overfull": "litter_bin",
              "overflowing": "litter_bin"}
DARK = ("morkt", "mork", "morker", "morkr", "kolsvart", "becksvart", "dark", "xdarkx")
# Unsafe feelings. "Farligt" (a hazard, e.g. glass on a playground) is not one.
UNSAFE = ("otrygg", "otryg", "laskig", "otack", "radd", "obehag", "creepy", "scary", "unsafe", "undvik",
          "hotfull", "osaker", "xunsafex")
SAFE = ("trygg", "tryggt", "safe", "lugnt", "ljust", "trivs", "trivsam", "upplyst", "oppet", "xsafex")
# A clean place; "inte städat" is a littered one.
CLEAN = ("rent", "rena", "stadat", "clean", "valskott")
GOOD = ("bra", "fint", "fin", "skont", "harligt", "mysig", "snyggt", "nice", "love", "great", "good", "xgoodx",
        "tack", "toppen", "grymt", "underbar", "trevlig", "battre", "vacker", "fantastisk", "super")
FIXED = ("lagat", "lagad", "lagade", "fixat", "fixad", "fix", "borta", "atgardat", "bytt", "fixed", "repaired",
         "rojt", "sanerat", "tvattat", "xfixedx")
# Places that praise can be about ("så fint på torget"); alone they say nothing.
PLACES = ("torg", "park", "kajen", "strand", "hamn", "gatan", "plantering", "blommor", "rabatt")
NEGATORS = {"inte", "ej", "ingen", "inget", "inga", "aldrig", "not", "no", "never", "utan", "isnt", "arent"}
CONTRAST = re.compile(r"\b(?:men|but|fast)\b")
# Phrases read as one word, before the words are split (after folding).
PHRASES = [
    (r"\b(?:funkar|fungerar|lyser|tander|works?|working)\s+(?:inte|ej|not)\b", " xbrokenx "),
    (r"\b(?:does\s?n[o']?t|doesnt|not)\s+work(?:ing)?\b", " xbrokenx "),
    (r"\bur\s+funktion\b", " xbrokenx "),
    (r"\bsvammar\s+over\b", " xbrokenx "),
    (r"\bslagit\s+sonder\b|\bslagits\s+sonder\b|\bsparkat\s+sonder\b", " xvandalx "),
    (r"\beldat\s+upp\b|\btant\s+eld\s+pa\b|\bset\s+on\s+fire\b", " xvandalx "),
    (r"\b(?:tagit|tog|tagits|togs|tar)\s+bort\b|\bcleaned\s+up\b|\bremoved\b", " xfixedx "),
    (r"\bvagar\s+(?:inte|ej)\b|\bdare\s+not\b|\bdon'?t\s+dare\b", " xunsafex "),
    (r"\bvaxer\s+(?:ut|igen|over)\b", " xgrowsx "),
    (r"\b(?:dalig|daligt)\s+(?:belysning|belyst|upplyst)\b", " xdarkx "),
    (r"\b(?:massa|mycket|lite)\s+folk\b|\bfolk\s+(?:ute|i\s+rorelse)\b", " xsafex "),
    (r"\bstreet\s*lights?\b", " streetlight "),
    (r"\bbike\s+path\b", " cykelvag "),
    (r"\blight\s+(?:is\s+)?out\b", " xlightoutx "),
]
EMOJI = {"xgoodx": "👍👌😊😍❤🙌👏🥰💚💙☀😀😃🌞", "xunsafex": "😟😬😨😱😰"}


def _fold(text: str) -> str:
    """Lower case, å/ä → a, ö → o and other accents off; emoji that carry meaning become cue words."""
    for word, marks in EMOJI.items():
        for mark in marks:
            text = text.replace(mark, f" {word} ")
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _role(word: str, hashtag: bool) -> tuple[str, str | None] | None:
    """The cue a word gives: (role, category) or None. Longer stems are tried first ("otrygg" before "trygg")."""
    def matches(stem: str) -> bool:
        if stem in WHOLE_WORDS or " " in stem:
            return word == stem.strip()
        # Swedish compounds: a long stem also counts inside a word ("jättemörkt", "gatlamporna").
        return word.startswith(stem) or (len(stem) >= 5 and stem in word)

    candidates = []
    for category, stems in PROBLEMS.items():
        candidates += [(stem, "problem", category) for stem in stems]
    for category, stems in OBJECTS.items():
        candidates += [(stem, "object", category) for stem in stems]
    for role, stems in (("broken", BROKEN), ("dark", DARK), ("unsafe", UNSAFE), ("safe", SAFE), ("clean", CLEAN),
                        ("good", GOOD), ("fixed", FIXED), ("place", PLACES)):
        candidates += [(stem, role, None) for stem in stems]
    for stem, role, category in sorted(candidates, key=lambda c: -len(c[0])):
        if matches(stem):
            return role, (BROKEN_FOR.get(stem) if role == "broken" else category)
    return None


def _read_sentence(words: list[tuple[str, bool]], weight: float, scores: dict, state: dict) -> None:
    """Add one sentence's cues to the scores. `state` collects whether a feeling was expressed and praise."""
    found = []  # (position, role, category, negated)
    reach = 0
    for position, (word, hashtag) in enumerate(words):
        if word in NEGATORS:
            reach = NEGATION_REACH
            continue
        cue = _role(word, hashtag)
        if cue:
            found.append((position, cue[0], cue[1], reach > 0))
        reach = max(0, reach - 1)
    fixed = any(role == "fixed" and not negated for _, role, _, negated in found)
    problems: dict[str, float] = {}
    good = sum(weight for _, role, _, negated in found if role == "good" and not negated)
    for position, role, category, negated in found:
        if role == "problem":
            if negated:
                scores["feels_safe"] = scores.get("feels_safe", 0) + weight
            else:
                problems[category] = problems.get(category, 0) + 2 * weight
        elif role in ("dark", "unsafe"):
            key = "feels_safe" if negated else "dark_unsafe"
            scores[key] = scores.get(key, 0) + (weight if negated else 2 * weight)
            state["feeling"] = state["feeling"] or not negated
        elif role == "clean":
            key = "littered" if negated else "feels_safe"
            scores[key] = scores.get(key, 0) + 2 * weight
        elif role == "safe":
            key = "dark_unsafe" if negated else "feels_safe"
            scores[key] = scores.get(key, 0) + 2 * weight
            state["feeling"] = state["feeling"] or negated
        elif role == "broken":
            # The broken thing is the nearest object before the word ("lampan är trasig"), else after it
            # ("trasig lampa").
            fits = [f for f in found if f[1] == "object" and (category is None or f[2] == category)]
            before = [f for f in fits if f[0] < position]
            after = [f for f in fits if f[0] > position]
            target = before[-1] if before else (after[0] if after else None)
            if target is None:
                continue
            if negated or target[3]:
                scores["feels_safe"] = scores.get("feels_safe", 0) + weight
            else:
                problems[target[2]] = problems.get(target[2], 0) + 2 * weight
    objects = [f for f in found if f[1] == "object"]
    if any(f[2] == "street_light" and f[3] for f in objects) and "street_light" not in problems:
        scores["dark_unsafe"] = scores.get("dark_unsafe", 0) + 2 * weight  # "ingen belysning": no light at all
        state["feeling"] = True
    if fixed:
        if problems:  # "klottret är borta", "lampan är lagad": a fine place now
            scores["feels_safe"] = scores.get("feels_safe", 0) + weight
        problems = {}
    for category, value in problems.items():
        scores[category] = scores.get(category, 0) + value
    state["good"] += good
    state["named"] = state["named"] or bool(objects) or fixed or any(f[1] == "place" for f in found)


def classify_caption(text: str | None) -> str | None:
    """The category a caption is about, or None when the rules are not sure (see the module's docstring).

    Guarantees: a caption with only praise, or with nothing the rules know, is None; a negated problem never
    counts as that problem; a caption that expresses an unsafe feeling is never sorted as a broken street light.
    """
    folded = _fold(text or "")
    for pattern, replacement in PHRASES:
        folded = re.sub(pattern, replacement, folded)
    parts = CONTRAST.split(folded)
    scores: dict[str, float] = {}
    state = {"feeling": False, "good": 0.0, "named": False}
    for number, part in enumerate(parts):
        weight = 2.0 if number == len(parts) - 1 and len(parts) > 1 else 1.0
        for sentence in re.split(r"[.!?;:,\n]+", part):
            words = [(m.group(2), bool(m.group(1))) for m in re.finditer(r"(#?)([a-z0-9]+(?:-[a-z0-9]+)?)", sentence)]
            if words:
                _read_sentence(words, weight, scores, state)
    if state["feeling"]:
        # A feeling makes it a safety-walk answer: triage decides whether a light is broken or missing.
        for fault, walk in (("street_light", "dark_unsafe"), ("litter_bin", "littered")):
            if fault in scores:
                scores[walk] = scores.get(walk, 0) + scores.pop(fault)
    if state["good"] and (state["named"] or scores):
        # Praise for a named thing or place speaks for a fine place; beside other cues it only leans that way.
        scores["feels_safe"] = scores.get("feels_safe", 0) + state["good"] * (1 if state["named"] else 0.5)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 1:
        return None
    if len(ranked) > 1 and ranked[1][1] >= ranked[0][1]:
        return None  # a tie: let a person decide
    return ranked[0][0]
