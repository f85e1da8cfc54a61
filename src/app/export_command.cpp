#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/samples_file.hpp"
#include "model/chat_format.hpp"

namespace sppo {

int export_command(const CommandLine& cl) {
  const std::string path = *cl.flag("samples"), out_path = *cl.flag("out");
  const SamplesFile file = SamplesFile::open(path, SamplesFile::Access::read_only, RankGroup::serial());
  const SamplesOrigin origin = file.origin();
  if (origin.policy_path.empty())
    throw FormatError(path + ": no policy_path attribute: it was not written by sppo generate");
  const PolicyTokenizer tokenizer(origin.policy_path);
  const ChatFormat format =
      ChatFormat::resolve(origin.chat_template.empty() ? "mistral" : origin.chat_template, std::nullopt, tokenizer);
  const SamplesTable t = file.read_table();
  const int64_t N = t.shape.prompts, K = t.shape.samples;

  std::string text;
  int64_t written = 0;
  for (int64_t c = 0; c < t.shape.chunks(); ++c) {
    if (!t.generated.is_done(c)) continue;
    for (int64_t i = t.shape.chunk_begin(c); i < t.shape.chunk_end(c); ++i) {
      nlohmann::json row;
      row["prompt_id"] = t.rows.prompt_ids[static_cast<std::size_t>(i)];
      row["prompt"] = format.strip(tokenizer.decode(t.rows.prompts[static_cast<std::size_t>(i)]));
      nlohmann::json responses = nlohmann::json::array(), finished = nlohmann::json::array();
      for (int64_t k = 0; k < K; ++k) {
        const auto rk = static_cast<std::size_t>(i * K + k);
        responses.push_back(tokenizer.decode(t.rows.responses[rk]));
        finished.push_back(t.rows.finished[rk] != 0);
      }
      row["responses"] = responses;
      row["finished"] = finished;
      if (t.annotated.is_done(c)) {
        nlohmann::json m = nlohmann::json::array(), w = nlohmann::json::array();
        for (int64_t a = 0; a < K; ++a) {
          nlohmann::json r = nlohmann::json::array();
          for (int64_t b = 0; b < K; ++b) r.push_back(t.logits[static_cast<std::size_t>((i * K + a) * K + b)]);
          m.push_back(r);
          w.push_back(t.winrate[static_cast<std::size_t>(i * K + a)]);
        }
        row["pairrm_logits"] = m;
        row["winrate"] = w;
      }
      // A response cut at max_new_tokens may end inside a UTF-8 sequence: replace, never fail.
      text += row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      ++written;
    }
  }
  write_file_atomically(out_path, text);
  std::cerr << "sppo export: " << written << " of " << N << " prompts -> " << out_path << "\n";
  return 0;
}

}  // namespace sppo
