#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/samples_schema.hpp"
#include "model/policy_tokenizer.hpp"

namespace sppo {

int export_command(const CommandLine& cl) {
  const std::string path = *cl.flag("samples"), out_path = *cl.flag("out");
  SamplesShape shape;
  const h5::File file = open_samples_file(path, false, MPI_COMM_NULL, &shape);
  const auto policy = file.string_attribute("policy_path");
  if (!policy) throw FormatError(path + ": no policy_path attribute: it was not written by sppo generate");
  const ChatTemplate chat_template =
      file.string_attribute("chat_template").value_or("mistral") == "none" ? ChatTemplate::none : ChatTemplate::mistral;
  const PolicyTokenizer tokenizer(*policy);

  const int64_t N = shape.prompts, K = shape.samples, Lp = shape.max_prompt_tokens, Lr = shape.max_response_tokens;
  const auto generated = file.open_dataset(std::string(samples::kProgressPrefix) + "generate").read_all<uint8_t>();
  const auto annotated = file.open_dataset(std::string(samples::kProgressPrefix) + "annotate").read_all<uint8_t>();
  const auto ids = file.open_dataset(samples::kPromptId).read_all<int64_t>();
  const auto p_tok = file.open_dataset(samples::kPromptTokens).read_all<int32_t>();
  const auto p_len = file.open_dataset(samples::kPromptLength).read_all<int32_t>();
  const auto r_tok = file.open_dataset(samples::kResponseTokens).read_all<int32_t>();
  const auto r_len = file.open_dataset(samples::kResponseLength).read_all<int32_t>();
  const auto r_fin = file.open_dataset(samples::kResponseFinished).read_all<uint8_t>();
  const auto logits = file.open_dataset(samples::kPairrmLogits).read_all<float>();
  const auto winrate = file.open_dataset(samples::kPairrmWinrate).read_all<float>();

  std::string text;
  int64_t written = 0;
  for (int64_t c = 0; c < shape.chunks(); ++c) {
    if (!generated[static_cast<std::size_t>(c)]) continue;
    for (int64_t i = shape.chunk_begin(c); i < shape.chunk_end(c); ++i) {
      const auto at = [](const std::vector<int32_t>& v, int64_t offset, int64_t n) {
        return std::vector<int32_t>(v.begin() + offset, v.begin() + offset + n);
      };
      nlohmann::json row;
      row["prompt_id"] = ids[static_cast<std::size_t>(i)];
      row["prompt"] = strip_chat_template(tokenizer.decode(at(p_tok, i * Lp, p_len[static_cast<std::size_t>(i)])), chat_template);
      nlohmann::json responses = nlohmann::json::array(), finished = nlohmann::json::array();
      for (int64_t k = 0; k < K; ++k) {
        const int64_t rk = i * K + k;
        responses.push_back(tokenizer.decode(at(r_tok, rk * Lr, r_len[static_cast<std::size_t>(rk)])));
        finished.push_back(r_fin[static_cast<std::size_t>(rk)] != 0);
      }
      row["responses"] = responses;
      row["finished"] = finished;
      if (annotated[static_cast<std::size_t>(c)]) {
        nlohmann::json m = nlohmann::json::array(), w = nlohmann::json::array();
        for (int64_t a = 0; a < K; ++a) {
          nlohmann::json r = nlohmann::json::array();
          for (int64_t b = 0; b < K; ++b) r.push_back(logits[static_cast<std::size_t>((i * K + a) * K + b)]);
          m.push_back(r);
          w.push_back(winrate[static_cast<std::size_t>(i * K + a)]);
        }
        row["pairrm_logits"] = m;
        row["winrate"] = w;
      }
      // A response cut at max_new_tokens may end inside a UTF-8 sequence: replace, never fail.
      text += row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      ++written;
    }
  }
  AtomicFile out(out_path);
  out.write(text.data(), text.size());
  out.commit();
  std::cerr << "sppo export: " << written << " of " << N << " prompts -> " << out_path << "\n";
  return 0;
}

}  // namespace sppo
