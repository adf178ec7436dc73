#!/usr/bin/env python3
"""A reference byte-level BPE tokenizer (GPT-2 style), written from the
algorithm as GPT-2's encoder.py and Hugging Face's tokenizer.json describe it,
to check attnc's C++ tokenizer against.

It uses Python's `regex` module for GPT-2's pre-tokenization pattern and the
original GPT-2 merge loop (merge every occurrence of the best-ranked pair,
repeat), not the priority queue the C++ code uses.

    bpe_reference.py TOKENIZER.json --encode "some text"     # prints ids
    bpe_reference.py TOKENIZER.json --cases CASES.json --write EXPECTED.json
    bpe_reference.py TOKENIZER.json --cases CASES.json --check EXPECTED.json

CASES.json is a list of strings; EXPECTED.json lists, per string, its GPT-2
pieces and its ids.
"""
import argparse
import json
import os
import sys

import regex

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from byte_level import bytes_to_unicode  # noqa: E402

GPT2_PATTERN = (r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+"""
                r"""| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def get_pairs(word):
    return {(word[i], word[i + 1]) for i in range(len(word) - 1)}


class Tokenizer:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        model = spec["model"]
        assert model.get("type", "BPE") == "BPE"
        self.encoder = dict(model["vocab"])
        self.bpe_ranks = {}
        for rank, merge in enumerate(model["merges"]):
            pair = tuple(merge.split(" ")) if isinstance(merge, str) else tuple(merge)
            self.bpe_ranks.setdefault(pair, rank)
        pre = spec.get("pre_tokenizer") or {}
        self.add_prefix_space = pre.get("add_prefix_space", False)
        self.added = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.decoder.update({v: k for k, v in self.added.items()})
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        # Longest first: alternation then finds the leftmost, longest match.
        self.added_pattern = regex.compile("|".join(
            regex.escape(t) for t in sorted(self.added, key=len, reverse=True)))

    def bpe(self, token):
        word = tuple(token)
        pairs = get_pairs(word)
        while pairs:
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            pairs = get_pairs(word)
        return word

    def pieces(self, text):
        if self.add_prefix_space and not text.startswith(" "):
            text = " " + text
        return regex.findall(GPT2_PATTERN, text)

    def encode_ordinary(self, text):
        ids = []
        for piece in self.pieces(text):
            spelled = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(spelled))
        return ids

    def encode(self, text):
        if not self.added:
            return self.encode_ordinary(text)
        ids, start = [], 0
        for match in self.added_pattern.finditer(text):
            if match.start() > start:
                ids.extend(self.encode_ordinary(text[start:match.start()]))
            ids.append(self.added[match.group()])
            start = match.end()
        if start < len(text):
            ids.extend(self.encode_ordinary(text[start:]))
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            token = self.decoder[i]
            if token in self.added:
                out += token.encode("utf-8")
            else:
                out += bytes(self.byte_decoder[c] for c in token)
        return out.decode("utf-8", errors="replace")


def expectations(tokenizer, cases):
    result = []
    for text in cases:
        ids = tokenizer.encode(text)
        assert tokenizer.decode(ids) == text, f"round trip failed for {text!r}"
        result.append({"text": text, "pieces": regex.findall(GPT2_PATTERN, text),
                       "ids": ids})
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tokenizer")
    parser.add_argument("--encode")
    parser.add_argument("--cases")
    parser.add_argument("--write")
    parser.add_argument("--check")
    args = parser.parse_args()
    tokenizer = Tokenizer(args.tokenizer)
    if args.encode is not None:
        print(",".join(map(str, tokenizer.encode(args.encode))))
        return 0
    with open(args.cases, encoding="utf-8") as f:
        expected = expectations(tokenizer, json.load(f))
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write("[\n" + ",\n".join(json.dumps(case, ensure_ascii=False)
                                        for case in expected) + "\n]\n")
        return 0
    with open(args.check, encoding="utf-8") as f:
        committed = json.load(f)
    if committed != expected:
        for old, new in zip(committed, expected):
            if old != new:
                print(f"mismatch for {new['text']!r}:\n  committed {old}\n"
                      f"  reference {new}", file=sys.stderr)
        if len(committed) != len(expected):
            print("the number of cases differs", file=sys.stderr)
        return 1
    print(f"{len(expected)} cases agree with the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
