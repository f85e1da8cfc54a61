// Load time and encode/decode speed of HfTokenizer (tokenizer.json) on one core. For each
// folder: the best of 3 loads (read + parse + build), then encode of a corpus of about
// --megabytes MB of English prose (data/tokenizer_corpus.txt repeated; each line one encode
// call, as a trainer tokenizes samples, and also the whole corpus in one call), and decode of
// the ids. "cold" is the corpus file encoded once right after loading, before the word cache
// holds anything (every pre-token a miss the first time it is seen). A folder holding tokenizer.json.xz (the test fixtures) is unpacked with `xz -dc`
// into a temporary folder first; that time is not counted.
//   build/bin/bench_tokenizer [--corpus FILE] [--megabytes N] [FOLDER...]
// Without folders: the five families of tests/data/tokenizers.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/hf_tokenizer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

// `folder` itself, or a temporary copy with its .xz files unpacked.
std::string plain_folder(const std::string& folder, std::vector<std::string>& to_remove) {
  if (exists(folder + "/tokenizer.json")) return folder;
  char pattern[] = "/tmp/sppo-bench-tokenizer-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  const std::string dir = pattern;
  to_remove.push_back(dir);
  for (const std::string name : {"tokenizer.json", "tokenizer_config.json"}) {
    const std::string source = folder + "/" + name;
    std::string command;
    if (exists(source + ".xz")) command = "xz -dc '" + source + ".xz' > '" + dir + "/" + name + "'";
    else if (exists(source)) command = "cp '" + source + "' '" + dir + "/" + name + "'";
    else continue;
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  return dir;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus_path = "data/tokenizer_corpus.txt";
  double megabytes = 4;
  std::vector<std::string> folders;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--corpus" && i + 1 < argc) corpus_path = argv[++i];
    else if (a == "--megabytes" && i + 1 < argc) megabytes = std::atof(argv[++i]);
    else folders.push_back(a);
  }
  if (folders.empty())
    for (const char* f : {"llama3", "llama3_1", "qwen3", "gemma3", "mistral"}) folders.push_back(std::string("tests/data/tokenizers/") + f);

  std::vector<std::string> to_remove;
  int status = 0;
  try {
    const std::string unit = read_all(corpus_path);
    std::string corpus;
    while (corpus.size() < megabytes * 1e6) corpus += unit;
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < corpus.size();) {
      const std::size_t nl = corpus.find('\n', pos);
      const std::size_t end = nl == std::string::npos ? corpus.size() : nl + 1;
      lines.push_back(corpus.substr(pos, end - pos));
      pos = end;
    }
    std::printf("corpus: %s repeated to %.2f MB (%zu lines); one thread\n", corpus_path.c_str(), corpus.size() / 1e6,
                lines.size());
    std::printf("%-28s %8s %10s %12s %12s %12s %12s %10s\n", "tokenizer", "load s", "cold MB/s", "encode MB/s", "(one call)",
                "tokens/s", "decode MB/s", "bytes/tok");
    for (const std::string& folder : folders) {
      const std::string dir = plain_folder(folder, to_remove);
      double load_s = 1e9;
      for (int k = 0; k < 3; ++k) {
        const auto t = Clock::now();
        sppo::HfTokenizer tok = sppo::HfTokenizer::load(dir);
        load_s = std::min(load_s, seconds_since(t));
      }
      const sppo::HfTokenizer tok = sppo::HfTokenizer::load(dir);
      const auto t_cold = Clock::now();
      for (std::size_t pos = 0; pos < unit.size();) {  // line by line, as below
        const std::size_t nl = unit.find('\n', pos);
        const std::size_t end = nl == std::string::npos ? unit.size() : nl + 1;
        tok.encode(std::string_view(unit).substr(pos, end - pos), false);
        pos = end;
      }
      const double cold_s = seconds_since(t_cold);

      std::size_t tokens = 0;
      const auto t_lines = Clock::now();
      for (const std::string& line : lines) tokens += tok.encode(line, false).size();
      const double lines_s = seconds_since(t_lines);

      const auto t_one = Clock::now();
      const std::vector<int32_t> ids = tok.encode(corpus, false);
      const double one_s = seconds_since(t_one);

      const auto t_decode = Clock::now();
      const std::string back = tok.decode(ids, false);
      const double decode_s = seconds_since(t_decode);

      std::string name = folder;
      if (name.size() > 28) name = "..." + name.substr(name.size() - 25);
      std::printf("%-28s %8.3f %10.2f %12.2f %12.2f %12.0f %12.2f %10.2f\n", name.c_str(), load_s,
                  unit.size() / 1e6 / cold_s, corpus.size() / 1e6 / lines_s,
                  corpus.size() / 1e6 / one_s, tokens / lines_s, back.size() / 1e6 / decode_s,
                  static_cast<double>(corpus.size()) / static_cast<double>(tokens));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    status = 1;
  }
  for (const std::string& dir : to_remove) std::system(("rm -rf '" + dir + "'").c_str());
  return status;
}
