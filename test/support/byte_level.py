"""GPT-2's byte-level alphabet, shared by the tokenizer test scripts (an
independent reference for runtime/lib/ByteLevel.cpp: written from GPT-2's
published encoder.py, not from our C++)."""


def bytes_to_unicode():
    """GPT-2's map from bytes to printable characters."""
    bs = (list(range(ord("!"), ord("~") + 1)) +
          list(range(ord("¡"), ord("¬") + 1)) +
          list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))
