#pragma once
// defines: sppo::SentencePiece, a SentencePiece model reached through the run-time loaded
// shim library (libsppo_spm.so), and the move-only dlopen handle behind it.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sppo {

class SharedLibrary;  // dlopen handle with the shim's function table

class SentencePiece {
 public:
  // Loads `model_path` (tokenizer.model / spm.model) twice: as trained, and with the
  // dummy prefix off. Throws FormatError naming the file when it is not a SentencePiece model.
  explicit SentencePiece(const std::string& model_path);
  ~SentencePiece();
  SentencePiece(SentencePiece&&) noexcept;
  SentencePiece& operator=(SentencePiece&&) noexcept;

  // Plain SentencePiece encoding (no BOS/EOS). `dummy_prefix` false encodes as if the model
  // had add_dummy_prefix off (no leading "▁").
  std::vector<int> encode(std::string_view text, bool dummy_prefix = true) const;
  std::string decode(const std::vector<int>& ids) const;
  std::string id_to_piece(int id) const;
  int piece_to_id(std::string_view piece) const;  // the unknown id when absent
  int piece_size() const;
  bool is_byte(int id) const;
  bool is_unknown(int id) const;
  bool is_control(int id) const;
  const std::string& path() const { return path_; }

  // SentencePieceTrainer with its flag string (e.g. "--input=a.txt --model_prefix=m --vocab_size=512").
  static void train(const std::string& flags);

 private:
  std::string path_;
  std::shared_ptr<const SharedLibrary> library_;
  void* with_prefix_ = nullptr;
  void* without_prefix_ = nullptr;
};

// Where the shim is looked for: $SPPO_SPM_SHIM, then beside the running executable, then
// ../lib/sppo/ relative to it.
std::vector<std::string> spm_shim_candidates();

}  // namespace sppo
