#!/usr/bin/env python3
"""Learns a small GPT-2-style byte-level BPE on the text below and writes it as
Hugging Face tokenizer.json files: tokenizer.json spells merges as "a b"
strings (older files), tokenizer-pairs.json as ["a", "b"] pairs (newer ones).

    python3 make_tokenizer.py     # rewrites both files next to this script

Training follows the usual recipe: split the text with GPT-2's pattern, spell
each piece with GPT-2's byte characters, then repeatedly merge the most
frequent pair of neighbouring symbols (ties: the smallest pair).
"""
import collections
import json
import os
import sys

import regex

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "support"))
from byte_level import bytes_to_unicode  # noqa: E402

NUM_MERGES = 300
PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

TEXT = """\
The lighthouse keeper climbed the stairs every evening at the same hour. There
were one hundred and twelve steps, and he counted them all, because counting
kept the wind out of his thoughts. At the top he trimmed the wick, wiped the
great lens, and watched the light turn over the water: once, twice, and again.
Ships he would never meet read it and turned away from the rocks. "It's a
quiet kind of work," he told the gulls, "but they'll be home by morning."
In 1887 the tower was painted white and red; in 1921 it was painted again.
The keeper's daughter kept a ledger of storms: 3 in March, 7 in October, and
once, in a year she didn't name, 12 in a single week. She wrote in ink that
had turned brown, and the pages smelled of salt and paraffin.
We're told the sea is patient. I've found it isn't; it's only very old.
Café au lait, crème brûlée, naïve façade: the visitors' words were strange.
Some wrote in other scripts entirely: Ελληνικά, русский, 日本語, and 東京.
Numbers, too: ١٢٣ and ४५६ and ⅷ. Tabs\tand  double  spaces   stay apart.
"""


def learn(text, num_merges):
    byte_chars = bytes_to_unicode()
    words = collections.Counter(
        tuple(byte_chars[b] for b in piece.encode("utf-8"))
        for piece in regex.findall(PATTERN, text))
    merges = []
    for _ in range(num_merges):
        pairs = collections.Counter()
        for word, count in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = collections.Counter()
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += count
        words = merged
    vocab = {byte_chars[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    return vocab, merges


def tokenizer_json(vocab, merges, pair_form):
    eot = len(vocab)
    vocab = dict(vocab, **{"<|endoftext|>": eot})
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": eot, "content": "<|endoftext|>",
                          "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": True,
                          "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                          "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True,
                           "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True,
                    "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None,
            "continuing_subword_prefix": "", "end_of_word_suffix": "",
            "fuse_unk": False, "byte_fallback": False,
            "vocab": vocab,
            "merges": [list(m) if pair_form else " ".join(m) for m in merges],
        },
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    vocab, merges = learn(TEXT, NUM_MERGES)
    for name, pair_form in [("tokenizer.json", False),
                            ("tokenizer-pairs.json", True)]:
        with open(os.path.join(here, name), "w", encoding="utf-8") as f:
            json.dump(tokenizer_json(vocab, merges, pair_form), f,
                      ensure_ascii=False, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
