#include "annotate/synthetic_judge.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "io/fingerprint.hpp"

namespace sppo {
namespace {

constexpr double kClamp = 1e-6;

double logit_of(double p) {
  p = std::clamp(p, kClamp, 1 - kClamp);
  return std::log(p / (1 - p));
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isspace(c)) {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += ch;
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

std::string normalised(const std::string& word) {
  std::string out;
  for (const char ch : word) {
    const auto c = static_cast<unsigned char>(ch);
    if (!std::ispunct(c)) out += static_cast<char>(std::tolower(c));
  }
  return out;
}

}  // namespace

SyntheticJudge::SyntheticJudge(RankerConfig config) : config_(std::move(config)) {
  for (const auto& k : config_.keywords) liked_.insert(normalised(k));
}

int64_t SyntheticJudge::answer_index(const std::string& response) const {
  const std::string t = trim(response);
  const auto it = std::find(config_.answers.begin(), config_.answers.end(), t);
  return it == config_.answers.end() ? -1 : it - config_.answers.begin();
}

double SyntheticJudge::logit(const std::string& a, const std::string& b) const {
  switch (config_.rule) {
    case SyntheticRule::matrix: {
      const int64_t i = answer_index(a), j = answer_index(b);
      if (i >= 0 && j >= 0) return logit_of(config_.matrix[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
      if (i >= 0) return logit_of(1.0);
      if (j >= 0) return logit_of(0.0);
      return 0.0;
    }
    case SyntheticRule::length:
      return config_.scale * (static_cast<double>(words(a).size()) - static_cast<double>(words(b).size()));
    case SyntheticRule::keyword: {
      auto hits = [&](const std::string& text) {
        double n = 0;
        for (const auto& w : words(text)) n += liked_.count(normalised(w)) ? 1 : 0;
        return n;
      };
      return config_.scale * (hits(a) - hits(b));
    }
  }
  return 0.0;
}

std::vector<std::vector<float>> SyntheticJudge::logit_matrices(const std::vector<JudgeItem>& items,
                                                               JudgeShare share) const {
  std::vector<std::vector<float>> out;
  out.reserve(items.size());
  int64_t pair = 0;  // ordered pairs of the whole call, in order: the share takes every parts-th
  for (const auto& item : items) {
    const std::size_t K = item.candidates.size();
    std::vector<float> M(K * K, 0.0f);
    for (std::size_t a = 0; a < K; ++a)
      for (std::size_t b = 0; b < K; ++b)
        if (a != b)
          M[a * K + b] = pair++ % share.parts == share.part
                             ? static_cast<float>(logit(item.candidates[a], item.candidates[b]))
                             : -0.0f;
    out.push_back(std::move(M));
  }
  return out;
}

int64_t SyntheticJudge::fingerprint() const {
  Fingerprint f;
  f.add("synthetic").add(to_string(config_.rule)).add(static_cast<int64_t>(config_.answers.size()));
  for (const auto& a : config_.answers) f.add(a).add(int64_t{0});
  for (const auto& row : config_.matrix)
    for (double p : row) f.add(&p, sizeof p);
  for (const auto& k : config_.keywords) f.add(k).add(int64_t{0});
  f.add(&config_.scale, sizeof config_.scale);
  return static_cast<int64_t>(f.value() >> 1);
}

std::string SyntheticJudge::describe() const { return "synthetic judge (rule " + to_string(config_.rule) + ")"; }

}  // namespace sppo
