#!/usr/bin/env python3
"""attnc's byte-level BPE with a Split pre-tokenizer (Llama-3, Qwen2) against
a Python reference: the exact Llama-3 and Qwen2 patterns with Python's
`regex` module, GPT-2's byte characters and GPT-2's merge loop (merge every
occurrence of the best-ranked pair, repeat), on a small vocabulary learned
here from a short text with the same pattern.

    split_bpe_check.py LIBATTNC_RUNTIME WORKDIR
"""
import collections
import json
import os
import sys
import unicodedata

import regex

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from byte_level import bytes_to_unicode  # noqa: E402

from attnc_tokenizer import SKIP_SPECIAL_TOKENS, Report, Tokenizer

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
          r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
         r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

TEXT = """\
The lighthouse keeper climbed the stairs every evening at the same hour. There
were 112 steps, and he counted them all, because counting kept the wind out.
"It's a quiet kind of work," he told the gulls, "but THEY'LL be home by 6:30."
In 1887 the tower was painted white and red; in 1921 it was painted again.
Café au lait, crème brûlée, naïve façade: Ελληνικά, русский, 日本語, 東京.
def main():\r\n    return 42\r\n
"""

CASES = [
    "Hello world",
    "The keeper's daughter; THEY'LL, We'RE, I'M, it's",
    "numbers 1 12 123 1234 12345 3.14159 2024-06-01",
    "  leading and trailing spaces   ",
    "tabs\tand\r\nwindows\r\n\r\nlines\n\n\nand more",
    "Café crème brûlée naïve",
    "e\u0301 and A\u030a (combining)",
    "Ελληνικά русский 日本語 東京",
    "emoji 😀🎉✓ and symbols ©®™ -> => !== ...",
    "def main():\r\n    return 42\r\n",
    "",
    " ",
    "\n",
    "x",
]


BYTE_CHARS = bytes_to_unicode()


def spell(piece):
    return tuple(BYTE_CHARS[b] for b in piece.encode("utf-8"))


def learn(pattern, text, num_merges=250):
    words = collections.Counter(spell(p) for p in regex.findall(pattern, text))
    merges = []
    for _ in range(num_merges):
        pairs = collections.Counter()
        for word, n in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += n
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        merged = {}
        for word, n in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + n
        words = merged
    return merges


class Reference:
    def __init__(self, pattern, merges, vocab, added, nfc, ignore_merges):
        self.pattern, self.vocab, self.nfc = pattern, vocab, nfc
        self.ignore_merges = ignore_merges
        self.ranks = {m: r for r, m in reversed(list(enumerate(merges)))}
        self.added = added
        self.added_re = regex.compile("|".join(regex.escape(t) for t in
                                               sorted(added, key=len, reverse=True)))

    def bpe(self, word):
        if self.ignore_merges and "".join(word) in self.vocab:
            return [self.vocab["".join(word)]]
        word = list(word)
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = out
        return [self.vocab[t] for t in word]

    def encode_text(self, text):
        if self.nfc:
            text = unicodedata.normalize("NFC", text)
        ids = []
        for piece in regex.findall(self.pattern, text):
            ids += self.bpe(spell(piece))
        return ids

    def encode(self, text):
        ids, start = [], 0
        for m in self.added_re.finditer(text):
            ids += self.encode_text(text[start:m.start()])
            ids.append(self.added[m.group()])
            start = m.end()
        return ids + self.encode_text(text[start:])


def tokenizer_json(pattern, merges, vocab, added, family):
    doc = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for c, i in added.items()],
        "normalizer": {"type": "NFC"} if family == "qwen2" else None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated",
             "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False}]},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": family == "llama3", "vocab": vocab,
                  "merges": [list(m) for m in merges]},
    }
    byte_level = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                  "use_regex": True}
    if family == "llama3":
        doc["post_processor"] = {"type": "Sequence", "processors": [byte_level, {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [],
            "special_tokens": {"<|begin_of_text|>": {
                "id": "<|begin_of_text|>", "ids": [added["<|begin_of_text|>"]],
                "tokens": ["<|begin_of_text|>"]}}}]}
    else:
        doc["post_processor"] = byte_level
    return doc


def check(family, pattern, names, runtime, workdir):
    merges = learn(pattern, TEXT)
    vocab = {c: b for b, c in BYTE_CHARS.items()}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    added = {name: len(vocab) + i for i, name in enumerate(names)}
    path = os.path.join(workdir, f"tokenizer-{family}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(pattern, merges, vocab, added, family), f, ensure_ascii=False)
    ref = Reference(pattern, merges, vocab, added, nfc=family == "qwen2",
                    ignore_merges=family == "llama3")
    tok = Tokenizer(runtime, path)
    report = Report(family)
    bos = [added["<|begin_of_text|>"]] if family == "llama3" else []
    chat = "".join(f"{names[i % len(names)]}line {i}\n" for i in range(3))
    for text in CASES + [chat, names[0] + names[-1] + " " + names[0]]:
        want = ref.encode(text)
        got = tok.encode(text, special=False)
        report.check(got == want, f"encode {text!r}: attnc {got}, reference {want}")
        report.check(tok.encode(text) == bos + want, f"encode {text!r} with special tokens")
        expected_text = unicodedata.normalize("NFC", text) if family == "qwen2" else text
        report.check(tok.decode(got) == expected_text, f"decode {got}: {tok.decode(got)!r}")
        report.check(tok.stream(got) == expected_text, f"stream {got}")
        report.check(tok.decode(bos + got, SKIP_SPECIAL_TOKENS)
                     == regex.sub("|".join(map(regex.escape, names)), "", expected_text),
                     f"decode {got} skipping special tokens")
    report.check(tok.bos() == (bos[0] if bos else -1), f"bos {tok.bos()}")
    eos_name = "<|end_of_text|>" if family == "llama3" else "<|endoftext|>"
    report.check(tok.eos() == added[eos_name], f"eos {tok.eos()}")
    return report.finish()


def main():
    runtime, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    status = check("llama3", LLAMA3, ["<|begin_of_text|>", "<|end_of_text|>"],
                   runtime, workdir)
    status |= check("qwen2", QWEN2, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                    runtime, workdir)
    return status


if __name__ == "__main__":
    sys.exit(main())
