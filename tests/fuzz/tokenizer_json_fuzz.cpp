// libFuzzer target: HfTokenizer on an arbitrary tokenizer.json (tokenizer_config.json "{}").
// Loading must give a tokenizer or throw FormatError; a loaded tokenizer must encode a few
// texts (fixed ones and the input's own bytes when they are UTF-8) and decode the ids again,
// or throw FormatError (a regex that hits PCRE2's match limit). Anything else is a bug.
// Seeds: tests/fuzz/tokenizer_json/ (small hand-written files of each feature).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "io/utf8.hpp"
#include "model/hf_tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const sppo::HfTokenizer tok = sppo::HfTokenizer::from_json(bytes, "fuzz/tokenizer.json", "{}", "fuzz/tokenizer_config.json");
    std::string texts[] = {"Hello world, it's 2025!\n\n  x\t<s></s>", "\xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x91\x8B \xE2\x96\x81",
                           "", std::string(300, 'a') + " b"};
    for (const std::string& text : texts) {
      const std::vector<int32_t> ids = tok.encode(text, true);
      tok.decode(ids, false);
      tok.decode(ids, true);
      tok.tokens(ids);
    }
    if (!sppo::first_invalid_utf8(bytes) && size < 2000) tok.decode(tok.encode(bytes, false), false);
    tok.token_to_id("a");
    tok.decode({0, 1, 2}, false);  // may have no tokens: FormatError
  } catch (const sppo::FormatError&) {
  }
  return 0;
}
