#!/usr/bin/env python3
"""Writes the crafted seeds of attnc-fuzz-tokenizer to corpus/tokenizer/.

Small tokenizer.json files (every byte a token plus a few merges, with each
option the reader knows, and one of each kind of damage it must reject) and
texts for the fixed tokenizer (ASCII, UTF-8 of several scripts, broken UTF-8,
the added token). run.sh also seeds with test/unittests/Generation/Inputs.
Uses only the standard library. Run it again after changing it and commit
the output.
"""
import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "tokenizer")


def byte_chars():
    printable = (list(range(ord("!"), ord("~") + 1)) +
                 list(range(ord("¡"), ord("¬") + 1)) +
                 list(range(ord("®"), ord("ÿ") + 1)))
    chars, extra = [], 0
    for b in range(256):
        if b in printable:
            chars.append(chr(b))
        else:
            chars.append(chr(256 + extra))
            extra += 1
    return chars


def tokenizer(merges=("Ġ t", "h e", "Ġt he", "i n"), pairs=False, added=(),
              prefix_space=False, use_regex=True, ignore_merges=None,
              vocab_extra=None, drop_bytes=(), model=None, **top):
    vocab = {c: i for i, c in enumerate(byte_chars()) if i not in drop_bytes}
    for m in merges:
        vocab.setdefault(m.replace(" ", ""), 256 + len(vocab) - 256 + len(drop_bytes))
    if vocab_extra:
        vocab.update(vocab_extra)
    m = {"type": "BPE", "dropout": None, "continuing_subword_prefix": "",
         "end_of_word_suffix": "", "vocab": vocab,
         "merges": [x.split(" ") for x in merges] if pairs else list(merges)}
    if ignore_merges is not None:
        m["ignore_merges"] = ignore_merges
    if model:
        m.update(model)
    doc = {"version": "1.0",
           "added_tokens": [dict({"id": 1000 + i, "content": c, "lstrip": False,
                                  "rstrip": False, "single_word": False,
                                  "special": True}, **o)
                            for i, (c, o) in enumerate(added)],
           "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": prefix_space,
                             "use_regex": use_regex},
           "model": m}
    doc.update(top)
    return json.dumps(doc, ensure_ascii=False).encode()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    # Valid tokenizers.
    write("basic.json", tokenizer())
    write("pairs.json", tokenizer(pairs=True))
    write("prefix-space.json", tokenizer(prefix_space=True))
    write("no-regex.json", tokenizer(use_regex=False))
    write("ignore-merges.json", tokenizer(ignore_merges=True))
    write("added.json", tokenizer(added=[("<|endoftext|>", {})]))
    write("added-options.json", tokenizer(added=[
        ("<s>", {"lstrip": True}), ("</s>", {"rstrip": True}),
        ("<w>", {"single_word": True})]))
    write("missing-bytes.json", tokenizer(drop_bytes=range(128, 256)))
    write("sparse-ids.json", tokenizer(vocab_extra={"zz": 5000}))
    # One of each other family, as their tokenizer.json files have them.
    sp = "\u2581"
    sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, sp: 3, "a": 4, "b": 5, sp + "a": 6,
                "<0x41>": 7, "<0xC3>": 8, "<0xA9>": 9}
    special = [{"id": i, "content": c, "lstrip": False, "rstrip": False, "single_word": False,
                "normalized": False, "special": True} for c, i in list(sp_vocab.items())[:3]]
    template = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
    write("sentencepiece.json", json.dumps({
        "added_tokens": special,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": sp},
            {"type": "Replace", "pattern": {"String": " "}, "content": sp}]},
        "pre_tokenizer": None, "post_processor": template,
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": sp}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True,
                  "vocab": sp_vocab, "merges": [sp + " a"]}}, ensure_ascii=False).encode())
    write("metaspace.json", json.dumps({
        "added_tokens": special,
        "pre_tokenizer": {"type": "Metaspace", "replacement": sp, "prepend_scheme": "first",
                          "split": True},
        "decoder": {"type": "Metaspace", "replacement": sp, "prepend_scheme": "first"},
        "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": True,
                  "vocab": sp_vocab, "merges": [[sp, "a"]]}}, ensure_ascii=False).encode())
    llama3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
              r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
    split = json.loads(tokenizer(added=[("<|begin_of_text|>", {})]))
    split["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": llama3}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]}
    split["normalizer"] = {"type": "NFC"}
    split["decoder"] = {"type": "ByteLevel"}
    split["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel"}, dict(template, special_tokens={"<s>": {"ids": [1000]}})]}
    write("split-regex.json", json.dumps(split, ensure_ascii=False).encode())
    wp_vocab = {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "ab": 3, "##c": 4, "a": 5, "!": 6}
    write("wordpiece.json", json.dumps({
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "max_input_chars_per_word": 8,
                  "vocab": wp_vocab}}).encode())
    # Damage, one kind each.
    write("bad-json.json", tokenizer()[:-40])
    write("not-object.json", "[1, 2, 3]")
    write("bad-model-type.json", tokenizer(model={"type": "Unigram"}))
    write("bad-regex.json", tokenizer(pre_tokenizer={"type": "Split",
                                                     "pattern": {"Regex": "(a"}}))
    write("normalizer.json", tokenizer(normalizer={"type": "Precompiled"}))
    write("dropout.json", tokenizer(model={"dropout": 0.1}))
    write("bad-merge.json", tokenizer(merges=("a b c",)))
    write("merge-unknown.json", tokenizer(merges=("Ġ q",), model={"merges": ["Ġ qq"]}))
    write("duplicate-id.json", tokenizer(vocab_extra={"zz": 3}))
    write("negative-id.json", tokenizer(vocab_extra={"zz": -1}))
    write("huge-id.json", tokenizer(vocab_extra={"zz": 2000000000}))
    write("string-id.json", tokenizer(vocab_extra={"zz": "7"}))
    write("empty-added.json", tokenizer(added=[("", {})]))
    write("number-overflow.json", "[1" + "9" * 40 + "E" + "9" * 25 + ":23]")
    write("deep.json", '{"normalizer": ' + "[" * 100 + "]" * 100 + "}")
    # Texts for the fixed tokenizer.
    write("text-ascii.txt", "The keeper's daughter kept a ledger: 3 in March, 7 in October.\n")
    write("text-scripts.txt", "Café crème, naïve façade; Ελληνικά, русский, 日本語, 東京, ١٢٣ ४५६ ⅷ 😀\n")
    write("text-spaces.txt", "Tabs\tand  double  spaces   stay \r\n\n apart.  ")
    write("text-added.txt", "<|endoftext|>Hello<|endoftext|> <|endoftext|>\n<|endof")
    write("text-broken-utf8.txt", b"a\xff\xfeb\xc3(\xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 \xc0\xaf\x00z")
    write("text-contractions.txt", "it's we're I've they'll he'd she'S 'm 're")


main()
