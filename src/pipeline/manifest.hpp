#pragma once
// defines: Manifest, runs/<name>/manifest.yaml: one record per finished stage of `sppo run`
// (iter-<t>/generate, annotate, train, eval), in the order they finished, with the settings
// the stage ran under and fingerprints of what it wrote. A rerun skips a stage whose record
// matches, continues at the first one without a record, and refuses a finished stage whose
// settings changed unless --restart-from names it.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sppo {

struct StageRecord {
  std::string stage;                              // "iter-0/generate"
  std::map<std::string, std::string> settings;    // "generate.temperature" -> "0.7"
  std::map<std::string, std::string> outputs;     // path -> fingerprint
  std::string finished;                           // UTC time, ISO 8601
};

class Manifest {
 public:
  // Reads `path`; a missing file is an empty manifest. Throws FormatError naming the file and
  // the entry when it is not one sppo wrote.
  static Manifest load(const std::string& path);
  // Written to a temporary file and renamed: a kill never leaves half a manifest.
  void save(const std::string& path) const;

  const StageRecord* find(const std::string& stage) const;
  // Adds or replaces the record of `record.stage`.
  void record(StageRecord record);
  // Drops the record of `stage` (if any).
  void erase(const std::string& stage);

  const std::vector<StageRecord>& stages() const { return stages_; }

 private:
  std::vector<StageRecord> stages_;
};

// "2026-11-26T21:04:05Z"
std::string utc_now();

}  // namespace sppo
