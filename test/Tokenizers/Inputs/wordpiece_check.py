#!/usr/bin/env python3
"""attnc's WordPiece (BERT) against a Python reference written from BERT's
tokenization.py: BasicTokenizer (clean text, spaces around CJK ideographs,
lowercase and accents stripped through NFD, split on whitespace and
punctuation), then greedy longest-match-first WordPiece with "##", then
"[CLS] ... [SEP]"; decoding joins "##" pieces and cleans up spaces before
punctuation as Hugging Face's WordPiece decoder does.

    wordpiece_check.py LIBATTNC_RUNTIME WORKDIR
"""
import json
import os
import sys
import unicodedata

from attnc_tokenizer import SKIP_SPECIAL_TOKENS, Report, Tokenizer

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = """the lighthouse keeper climbed stairs every evening at same hour there were
steps and he counted them all because counting kept wind out of his thoughts
cafe creme naive facade un ##able ##s ##ed ##ing ##er ##ly light house keep
, . ; : ! ? ' " ( ) - 1 2 3 ##0 ##1 ##2 ##3 ##4 東 京 日 本 語 ελληνικα русскии
""".split()

CASES = [
    "Hello world",
    "The Lighthouse-Keeper climbed the STAIRS!",
    "Café Crème, naïve FAÇADE.",
    "unkeeping lighthouses lightly",
    "numbers 1230 and 3.14",
    "東京 and 日本語",
    "Ελληνικά русский",
    "tabs\tand\nnewlines\r\n  spaces",
    "control\x00chars\x07here\u200b",
    "don't do that , it's mine ?",
    "a" * 120,
    "unknown 😀 ǂ ☃ x☃y",
    "",
    "?!",
]


def is_punct(c):
    o = ord(c)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(c):
    o = ord(c)
    return any(a <= o <= b for a, b in [
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)])


def is_space(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def is_control(c):
    return c not in "\t\n\r" and unicodedata.category(c).startswith("C")


def basic(text):
    text = "".join(" " if is_space(c) else c for c in text
                   if not (ord(c) == 0 or ord(c) == 0xFFFD or is_control(c)))
    text = "".join(f" {c} " if is_cjk(c) else c for c in text)
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    words = []
    for word in text.split():
        current = ""
        for c in word:
            if is_punct(c):
                if current:
                    words.append(current)
                words.append(c)
                current = ""
            else:
                current += c
        if current:
            words.append(current)
    return words


def wordpiece(word, vocab, max_chars=100):
    if len(word) > max_chars:
        return [vocab["[UNK]"]]
    ids, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = ("##" if start else "") + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:
            return [vocab["[UNK]"]]
        ids.append(vocab[piece])
        start = end
    return ids


def decode(tokens):
    """Hugging Face's WordPiece decoder: the cleanup applies to each token
    with its joining space (so "don ' t" stays; transformers' own
    clean_up_tokenization_spaces, a tokenizer_config.json setting, is not
    part of tokenizer.json)."""
    text = ""
    for i, t in enumerate(tokens):
        t = t[2:] if i and t.startswith("##") else (" " + t if i else t)
        for a, b in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
                     (" n't", "n't"), (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"),
                     (" 've", "'ve"), (" 're", "'re")]:
            t = t.replace(a, b)
        text += t
    return text


def main():
    runtime, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    vocab = {}
    for token in SPECIAL + WORDS:
        vocab.setdefault(token, len(vocab))
    for c in "abcdefghijklmnopqrstuvwxyz":
        vocab.setdefault(c, len(vocab))
        vocab.setdefault("##" + c, len(vocab))
    doc = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for t in SPECIAL],
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", vocab["[SEP]"]],
                           "cls": ["[CLS]", vocab["[CLS]"]]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    path = os.path.join(workdir, "tokenizer-bert.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    tok = Tokenizer(runtime, path)
    names = {i: t for t, i in vocab.items()}
    report = Report("wordpiece")
    unknown = 0
    for text in CASES + ["[CLS] keep [SEP]"]:
        if text.startswith("[CLS]"):
            want = [vocab["[CLS]"]] + sum((wordpiece(w, vocab) for w in basic(" keep ")), []) + [vocab["[SEP]"]]
        else:
            want = sum((wordpiece(w, vocab) for w in basic(text)), [])
        unknown += want.count(vocab["[UNK]"])
        got = tok.encode(text, special=False)
        report.check(got == want, f"encode {text!r}: attnc {got}, reference {want}")
        full = tok.encode(text)
        report.check(full == [vocab["[CLS]"]] + want + [vocab["[SEP]"]],
                     f"encode {text!r} with [CLS]/[SEP]: {full}")
        text_want = decode([names[i] for i in full])
        report.check(tok.decode(full) == text_want,
                     f"decode {full}: attnc {tok.decode(full)!r}, reference {text_want!r}")
        report.check(tok.stream(full) == text_want, f"stream {full}: {tok.stream(full)!r}")
        inner = decode([names[i] for i in want if names[i] not in SPECIAL])
        report.check(tok.decode(full, SKIP_SPECIAL_TOKENS) == inner,
                     f"decode {full} skipping special tokens: {tok.decode(full, SKIP_SPECIAL_TOKENS)!r}")
    report.check(unknown >= 3, f"only {unknown} [UNK] in the cases")
    report.check(tok.bos() == vocab["[CLS]"] and tok.eos() == vocab["[SEP]"],
                 f"bos/eos {tok.bos()}/{tok.eos()}")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
