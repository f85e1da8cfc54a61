# A second implementation of Hugging Face tokenizer.json encoding/decoding, in plain Python,
# written from the tokenizers (Rust) sources' rules, for the features the five fixture
# families use (and nothing else: anything else raises). It derives adversarial.json, the
# expected ids of texts that the public reference set does not cover, for sppo's C++ tests.
#   python3 reference_tokenizer.py FIXTURE_ROOT OUT.json     (FIXTURE_ROOT/<family>/tokenizer.json[.xz])
# Needs the `regex` module (Unicode White_Space for \s, as Oniguruma; Python's `re` differs).
# The BPE is the naive quadratic one: repeatedly merge the adjacent pair of lowest rank
# (leftmost on ties), one pair at a time, so it shares no code or data structure with sppo's.
import json, lzma, os, sys, unicodedata
import regex

FAMILIES = ["llama3", "llama3_1", "qwen3", "gemma3", "mistral"]


def read_json(path):
    if os.path.exists(path):
        return json.load(open(path, encoding="utf-8"))
    return json.loads(lzma.open(path + ".xz").read().decode("utf-8"))


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def flatten(node, key):
    if node is None:
        return []
    if node["type"] == "Sequence":
        out = []
        for sub in node[key]:
            out += flatten(sub, key)
        return out
    return [node]


class Reference:
    def __init__(self, folder):
        tj = read_json(folder + "/tokenizer.json")
        tc = read_json(folder + "/tokenizer_config.json")
        m = tj["model"]
        assert m["type"] == "BPE" and m.get("dropout") is None
        assert not m.get("continuing_subword_prefix") and not m.get("end_of_word_suffix")
        self.vocab = m["vocab"]
        self.ranks = {}
        for i, mg in enumerate(m["merges"]):
            a, b = mg.split(" ") if isinstance(mg, str) else mg
            self.ranks[(a, b)] = i  # a repeated pair keeps its last rank
        self.byte_fallback = m.get("byte_fallback", False)
        self.ignore_merges = m.get("ignore_merges", False)
        self.unk = m.get("unk_token")
        self.fuse_unk = m.get("fuse_unk", False)
        self.added = {t["content"]: t for t in tj["added_tokens"]}
        for t in tj["added_tokens"]:
            assert not (t["lstrip"] or t["rstrip"] or t["single_word"] or t["normalized"]), t
        self.id_to_token = {v: k for k, v in self.vocab.items()}
        for t in tj["added_tokens"]:
            self.id_to_token[t["id"]] = t["content"]
        self.special = {t["id"] for t in tj["added_tokens"] if t["special"]}
        self.normalizers = flatten(tj["normalizer"], "normalizers")
        self.pre = flatten(tj["pre_tokenizer"], "pretokenizers")
        self.decoders = flatten(tj["decoder"], "decoders")
        # post-processor: the single template's special ids around $A
        self.prefix, self.suffix = [], []
        for p in flatten(tj["post_processor"], "processors"):
            if p["type"] == "TemplateProcessing":
                seen_a = False
                for item in p["single"]:
                    if "Sequence" in item:
                        seen_a = True
                    else:
                        ids = p["special_tokens"][item["SpecialToken"]["id"]]["ids"]
                        (self.suffix if seen_a else self.prefix).extend(ids)
            else:
                assert p["type"] == "ByteLevel"
        cls = (tc.get("tokenizer_class") or "").removesuffix("Fast")
        if cls in ("LlamaTokenizer", "GemmaTokenizer", "CodeLlamaTokenizer"):
            tok = lambda k: tc[k] if isinstance(tc.get(k), str) else (tc[k]["content"] if tc.get(k) else None)
            self.prefix = [self.token_id(tok("bos_token"))] if tc.get("add_bos_token", True) else []
            self.suffix = [self.token_id(tok("eos_token"))] if tc.get("add_eos_token", False) else []
        self.cleanup = tc.get("clean_up_tokenization_spaces", False)

    def token_id(self, s):
        return self.added[s]["id"] if s in self.added else self.vocab[s]

    # ------------------------------------------------------------ encode
    def split_added(self, text):
        out, start, i = [], 0, 0
        by_len = sorted({len(c) for c in self.added}, reverse=True)
        while i < len(text):
            match = next((text[i:i + n] for n in by_len if text[i:i + n] in self.added), None)
            if match is None:
                i += 1
                continue
            if start < i:
                out.append((text[start:i], None))
            out.append((match, self.added[match]["id"]))
            i += len(match)
            start = i
        if start < len(text):
            out.append((text[start:], None))
        return out

    def normalize(self, s):
        for n in self.normalizers:
            t = n["type"]
            if t == "NFC":
                s = unicodedata.normalize("NFC", s)
            elif t == "Prepend":
                s = n["prepend"] + s if s else s
            elif t == "Replace":
                assert "String" in n["pattern"]
                s = s.replace(n["pattern"]["String"], n["content"])
            else:
                raise NotImplementedError(t)
        return s

    @staticmethod
    def split_parts(s, spans, behavior):
        parts, prev = [], 0
        for b, e in spans:
            if prev != b:
                parts.append((prev, b, False))
            parts.append((b, e, True))
            prev = e
        if prev != len(s):
            parts.append((prev, len(s), False))
        if behavior == "Isolated":
            keep = [(b, e) for b, e, _ in parts]
        elif behavior == "MergedWithPrevious":
            keep, previous = [], False
            for b, e, is_match in parts:
                if is_match and not previous and keep:
                    keep[-1] = (keep[-1][0], e)
                else:
                    keep.append((b, e))
                previous = is_match
        else:
            raise NotImplementedError(behavior)
        return [s[b:e] for b, e in keep if e > b]

    def pretokenize(self, s):
        pieces = [s]
        for p in self.pre:
            out = []
            for piece in pieces:
                if p["type"] == "Split":
                    assert not p["invert"]
                    if "Regex" in p["pattern"]:
                        spans = [m.span() for m in regex.finditer(p["pattern"]["Regex"], piece) if m.end() > m.start()]
                    else:
                        lit, spans, k = p["pattern"]["String"], [], piece.find(p["pattern"]["String"])
                        while k >= 0:
                            spans.append((k, k + len(lit)))
                            k = piece.find(lit, k + len(lit))
                    out += self.split_parts(piece, spans, p["behavior"])
                elif p["type"] == "ByteLevel":
                    assert not p["add_prefix_space"] and not p.get("use_regex", True)
                    out.append("".join(B2U[b] for b in piece.encode("utf-8")))
                else:
                    raise NotImplementedError(p["type"])
            pieces = out
        return pieces

    def bpe(self, word):
        if self.ignore_merges and word in self.vocab:
            return [self.vocab[word]]
        syms = []
        for ch in word:
            if ch in self.vocab:
                syms.append(ch)
            elif self.byte_fallback and all("<0x%02X>" % b in self.vocab for b in ch.encode("utf-8")):
                syms += ["<0x%02X>" % b for b in ch.encode("utf-8")]
            elif self.unk is not None:
                if self.fuse_unk and syms and syms[-1] is None:
                    continue
                syms.append(None)  # unk
        while True:
            best = None
            for i in range(len(syms) - 1):
                if syms[i] is None or syms[i + 1] is None:
                    continue
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            i = best[1]
            syms[i:i + 2] = [syms[i] + syms[i + 1]]
        return [self.vocab[self.unk] if s is None else self.vocab[s] for s in syms]

    def encode(self, text, add_special):
        ids = []
        for seg, tid in self.split_added(text):
            if tid is not None:
                ids.append(tid)
                continue
            seg = self.normalize(seg)
            for w in self.pretokenize(seg):
                ids += self.bpe(w)
        return self.prefix + ids + self.suffix if add_special else ids

    # ------------------------------------------------------------ decode
    def decode(self, ids, skip_special):
        toks = [self.id_to_token[i] for i in ids if not (skip_special and i in self.special)]
        for d in self.decoders:
            t = d["type"]
            if t == "ByteLevel":
                data = b"".join(bytes(U2B[c] for c in tok) if all(c in U2B for c in tok) else tok.encode("utf-8") for tok in toks)
                toks = [data.decode("utf-8", errors="replace")]
            elif t == "Replace":
                toks = [tok.replace(d["pattern"]["String"], d["content"]) for tok in toks]
            elif t == "ByteFallback":
                out, run = [], []
                def flush():
                    if run:
                        try:
                            out.append(bytes(run).decode("utf-8"))
                        except UnicodeDecodeError:
                            out.extend(["\ufffd"] * len(run))
                        run.clear()
                for tok in toks:
                    if len(tok) == 6 and tok.startswith("<0x") and tok.endswith(">"):
                        run.append(int(tok[3:5], 16))
                    else:
                        flush()
                        out.append(tok)
                flush()
                toks = out
            elif t == "Fuse":
                toks = ["".join(toks)]
            elif t == "Strip":
                new = []
                for tok in toks:
                    a = 0
                    while a < d["start"] and a < len(tok) and tok[a] == d["content"]:
                        a += 1
                    b = len(tok)
                    for _ in range(d["stop"]):
                        if b > a and tok[b - 1] == d["content"]:
                            b -= 1
                    new.append(tok[a:b])
                toks = new
            else:
                raise NotImplementedError(t)
        s = "".join(toks)
        if self.cleanup:
            for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                         (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
                s = s.replace(a, b)
        return s


TEXTS = [
    ("empty", ""),
    ("one_space", " "),
    ("only_newlines", "\n\n"),
    ("trailing_spaces", "end   "),
    ("spaces_newline_spaces", "a  \n  b"),
    ("crlf", "line one\r\nline two\r\n"),
    ("vt_ff", "a\x0bb\x0cc"),
    ("nbsp_ideographic", "a\u00a0b\u3000c  \u00a0d"),
    ("nel_is_white_space", "x\u0085y \u0085 z"),
    ("feff_is_not", "a\ufeffb \ufeff c"),
    ("mongolian_vowel_separator", "a\u180eb \u180e c"),
    ("line_paragraph_separators", "p\u2028q\u2029r"),
    ("zero_width_space", "Hello\u200bworld \u200b!"),
    ("contractions_upper", "I'M SURE WE'LL, IT'S O'NEIL'S 'D 'Ve"),
    ("long_s_contraction", "it'ſ done"),
    ("apostrophes", "'''quoted''' ' s ''s"),
    ("digit_scripts", "١٢٣٤٥ ৭৮ ½ Ⅻ 12345678 0.5e-10"),
    ("number_runs", "1234567890123"),
    ("combining", "e\u0301 a\u0308\u0304 n\u0303o"),
    ("hangul_jamo", "\u1112\u1161\u11ab\u1100\u1173\u11af 한국어"),
    ("ligatures_width", "ﬁ ＡＢＣ ｶﾀｶﾅ"),
    ("thai", "ภาษาไทยง่ายนิดเดียว"),
    ("mixed_scripts", "Zürich Ελληνικά Русский עברית 日本語テキスト"),
    ("emoji_sequences", "🇫🇷🏳️‍🌈 👨‍👩‍👧‍👦 ❤️ 1️⃣"),
    ("private_use_and_rare", "\ue000\U0010fffd\U0001f9ff\u0e5b"),
    ("control_chars", "a\x00b\x01c\x7fd\x1ce"),
    ("code_json", '{"key": [1, 2.5, null], "t": "x\\ny"}\n\tif (a && b) { return a->c; }'),
    ("markdown", "# Title\n\n* item **bold** _it_\n> quote\n```py\nprint('hi')\n```"),
    ("url_email", "mailto:someone@example.com?subject=Hi%20there&x=1#frag"),
    ("long_word", "a" * 300),
    ("long_repeat", "abc" * 120),
    ("long_base64", "QmFzZTY0IGVuY29kZWQgdGV4dCBpcyBsb25nIGFuZCBoYXMgbm8gc3BhY2Vz" * 6),
    ("long_paragraph", "The quick brown fox jumps over the lazy dog. " * 12),
    ("long_spaces", " " * 70 + "x" + "\t" * 40),
    ("meta_symbol_typed", "a\u2581b \u2581\u2581c"),
    ("gemma_joined_gt", "a > b >\u2581</ x>  </y"),
    ("gemma_joined_gt_long", "filler words go here " * 5 + "a > </b> >\u2581</ c >  </d " * 3),
    ("long_prose_punct", "Well, (he said) it's 3.14 — or is it? \"No!\" [see p. 42]; x=y+z... " * 4),
    ("tags", "<table><tr><td>x</td></tr></table> <br/> <s>"),
    ("llama3_specials", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|eot_id|>"),
    ("llama3_partial", "<|eot_id <|eot_id|x <<|eot_id|>> <|reserved_special_token_250|>"),
    ("qwen_specials", "<|im_start|>system\n<think>\n\n</think>\n<tool_call>{}</tool_call><|im_end|>"),
    ("gemma_specials", "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n<unused5><pad><image_soft_token>"),
    ("gemma_runs", "\n\n\n\n\t\t\t   \u2581\u2581\u2581 x"),
    ("mistral_specials", "<s>[INST] hi [/INST]</s><unk> <s>x"),
    ("special_at_ends", "</s>middle</s>"),
    ("punct_cleanup", "Hello , world ! Is it ? Yes . I 'm here , they 're n't 've 's"),
    ("unicode_punct", "«guillemets» — dash … ellipsis “quotes” ‘single’"),
]


def main():
    root, out_path = sys.argv[1], sys.argv[2]
    refs = {f: Reference(os.path.join(root, f)) for f in FAMILIES}
    cases = []
    for name, text in TEXTS:
        entry = {"name": name, "text": text, "by_family": {}}
        for f in FAMILIES:
            r = refs[f]
            with_sp, without = r.encode(text, True), r.encode(text, False)
            entry["by_family"][f] = {
                "ids_add_special": with_sp,
                "ids_no_special": without,
                "decode_add_special": r.decode(with_sp, False),
                "decode_add_special_skip_special": r.decode(with_sp, True),
                "decode_no_special": r.decode(without, False),
            }
        cases.append(entry)
    doc = {"generated_by": "tests/data/tokenizers/tools/reference_tokenizer.py (a second implementation from the "
                           "tokenizers rules; not Hugging Face itself)", "cases": cases}
    json.dump(doc, open(out_path, "w", encoding="utf-8"), ensure_ascii=False, indent=1)
    print("wrote", out_path, len(cases), "texts")


if __name__ == "__main__":
    main()
