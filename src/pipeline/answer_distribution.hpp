#pragma once
// defines: answer_distribution, the exact probability that a policy's response to a prompt
// is each of a set of answers (the Nash experiment's mixed strategy), from its logits.
#include <string>
#include <vector>

#include "core/config.hpp"

namespace sppo {

// P(response starts with the tokens of answer i | prompt) for every answer, in order (the
// answers' response tokens without EOS: what a max_new_tokens-limited response holds).
std::vector<double> answer_distribution(const std::string& policy_dir, const std::string& prompt,
                                        const std::string& chat_template, const std::vector<std::string>& answers);

}  // namespace sppo
