#include <ATen/ATen.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "annotate/pair_batches.hpp"
#include "annotate/win_rates.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "io/json_fields.hpp"
#include "model/pairrm.hpp"

namespace sppo {

int compare_command(const CommandLine& cl) {
  const Config defaults = parse_config("", "<defaults>", cl.overrides);
  const std::string input = *cl.flag("input");
  const PairRanker ranker =
      PairRanker::load(*cl.flag("ranker"), defaults.ranker.dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat);
  // Every line is read and checked before anything is scored; both orders of each line go
  // into one batched pass.
  std::vector<std::vector<int32_t>> rows;
  for_each_json_line(input, [&](const std::string& at, const nlohmann::json& j) {
    for (const char* field : {"source", "a", "b"})
      if (!j.contains(field) || !j[field].is_string())
        throw FormatError(at + ": field \"" + std::string(field) + "\" must be a string");
    const std::string source = j["source"], a = j["a"], b = j["b"];
    rows.push_back(ranker.tokenizer().pair_row(source, a, b));
    rows.push_back(ranker.tokenizer().pair_row(source, b, a));
  });
  const std::vector<float> logits = score_pair_rows(ranker, rows, defaults.annotate.batch_pairs);
  for (std::size_t i = 0; i < logits.size(); i += 2) {
    const double ab = logits[i], ba = logits[i + 1];
    std::cout << nlohmann::json{{"logit_ab", ab}, {"logit_ba", ba}, {"p_a_beats_b", direct_pair_probability(ab, ba)}}.dump()
              << "\n";
  }
  return 0;
}

}  // namespace sppo
