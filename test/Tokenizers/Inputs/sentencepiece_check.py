#!/usr/bin/env python3
"""attnc's SentencePiece-style BPE against SentencePiece itself.

Trains a small BPE model with Debian's python3-sentencepiece (byte fallback,
identity normalization, extra whitespace kept: Llama-2's settings), converts
it to a Hugging Face tokenizer.json the way Hugging Face's SpmConverter does
(the pieces with their ids; for each piece, the pairs of pieces that
concatenate to it, ordered by the piece's score), in the two layouts Llama
files use (a Prepend/Replace normalizer, or a Metaspace pre-tokenizer), and
checks attnc's ids against sentencepiece's `encode` and its text against
`decode`.

    sentencepiece_check.py LIBATTNC_RUNTIME WORKDIR
"""
import json
import os
import sys

import sentencepiece as spm

from attnc_tokenizer import SKIP_SPECIAL_TOKENS, Report, Tokenizer

SPACE = "\u2581"
CORPUS = """\
The lighthouse keeper climbed the stairs every evening at the same hour.
There were one hundred and twelve steps, and he counted them all.
At the top he trimmed the wick, wiped the great lens, and watched the light.
Ships he would never meet read it and turned away from the rocks.
In 1887 the tower was painted white and red; in 1921 it was painted again.
Café au lait, crème brûlée, naïve façade: the visitors' words were strange.
Some wrote in other scripts entirely: Ελληνικά, русский, 日本語, and 東京.
We're told the sea is patient. I've found it isn't; it's only very old.
"""

CASES = [
    "Hello world",
    "the keeper climbed the stairs",
    " leading space",
    "trailing space ",
    "double  spaces   and    more",
    "  two leading",
    "\ttabs\tand\nnewlines\n",
    "1234567890 and 3.14159",
    "Café crème brûlée",
    "Ελληνικά русский 日本語",
    "emoji 😀🎉 and ✓",
    "outside the vocabulary: ǂ Ꙭ 𝔘 ü",
    "zqxj vvvv kkk",
    "",
    " ",
    "a",
    "The lighthouse keeper's daughter kept a ledger.",
]


def train(workdir):
    corpus = os.path.join(workdir, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write(CORPUS)
    prefix = os.path.join(workdir, "spm")
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, model_type="bpe", vocab_size=480,
        byte_fallback=True, character_coverage=1.0,
        normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=True, split_digits=True, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=prefix + ".model")


def convert(sp, layout):
    """tokenizer.json for `sp`, as Hugging Face's SpmConverter writes it."""
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    scores = {sp.id_to_piece(i): sp.get_score(i) for i in range(sp.get_piece_size())}
    merges = []
    for piece, score in scores.items():
        local = [(piece[:k], piece[k:], score) for k in range(1, len(piece))
                 if piece[:k] in vocab and piece[k:] in vocab]
        local.sort(key=lambda m: (vocab[m[0]], vocab[m[1]]))
        merges.extend(local)
    merges.sort(key=lambda m: m[2], reverse=True)
    special = [(sp.unk_id(), "<unk>"), (sp.bos_id(), "<s>"), (sp.eos_id(), "</s>")]
    doc = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for i, c in special],
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "vocab": vocab,
                  "merges": [f"{a} {b}" for a, b, _ in merges]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [sp.bos_id()], "tokens": ["<s>"]}}},
    }
    if layout == "legacy":
        doc["normalizer"] = {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": SPACE},
            {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}]}
        doc["pre_tokenizer"] = None
    else:
        doc["normalizer"] = None
        doc["pre_tokenizer"] = {"type": "Metaspace", "replacement": SPACE,
                                "prepend_scheme": "first", "split": False}
    doc["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    return doc


def expected_text(sp, layout, text):
    """What the layout feeds the model, as a text for sentencepiece.

    The legacy normalizer always puts "▁" first, as SentencePiece does.
    Hugging Face's Metaspace does not when the text already starts with a
    space (which becomes "▁"): " x" is then tokenized as SentencePiece
    tokenizes "x", and a lone " " stays one "▁"."""
    if layout == "metaspace" and text.startswith(" "):
        return text[1:] if text.strip() else None
    return text


def main():
    runtime, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    sp = train(workdir)
    status = 0
    for layout in ("legacy", "metaspace"):
        path = os.path.join(workdir, f"tokenizer-{layout}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(convert(sp, layout), f, ensure_ascii=False)
        tok = Tokenizer(runtime, path)
        report = Report(f"sentencepiece {layout}")
        fallback = 0
        for text in CASES:
            model_text = expected_text(sp, layout, text)
            want = sp.encode(model_text) if model_text is not None else [sp.piece_to_id(SPACE)]
            got = tok.encode(text, special=False)
            report.check(got == want, f"encode {text!r}: attnc {got}, sentencepiece {want}")
            report.check(tok.encode(text) == [sp.bos_id()] + want,
                         f"encode {text!r} with <s>: {tok.encode(text)}")
            fallback += sum(1 for i in want if sp.id_to_piece(i).startswith("<0x"))
            text_want = sp.decode(want)
            report.check(tok.decode(got) == text_want,
                         f"decode {got}: attnc {tok.decode(got)!r}, sentencepiece {text_want!r}")
            report.check(tok.decode([sp.bos_id()] + got, SKIP_SPECIAL_TOKENS) == text_want,
                         f"decode <s>+{got} skipping special tokens")
            report.check(tok.stream(got) == text_want,
                         f"decode {got} one token at a time: {tok.stream(got)!r}")
        report.check(fallback >= 5, f"only {fallback} byte-fallback tokens in the cases")
        report.check(tok.bos() == sp.bos_id() and tok.eos() == sp.eos_id(),
                     f"bos/eos {tok.bos()}/{tok.eos()}")
        # Hugging Face decodes special tokens through the decoder too.
        hello = tok.encode("Hello")
        report.check(tok.decode(hello) == "<s> Hello", f"decode {hello}: {tok.decode(hello)!r}")
        # Added tokens in the text are cut out before the model runs.
        both = tok.encode("<s>Hello</s>", special=False)
        report.check(both[0] == sp.bos_id() and both[-1] == sp.eos_id(),
                     f"'<s>Hello</s>': {both}")
        status |= report.finish()
    return status


if __name__ == "__main__":
    sys.exit(main())
