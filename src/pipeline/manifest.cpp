#include "pipeline/manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace sppo {
namespace {

std::map<std::string, std::string> string_map(const YAML::Node& node, const std::string& where) {
  std::map<std::string, std::string> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsMap()) throw FormatError(where + ": expected a mapping");
  for (const auto& kv : node) {
    if (!kv.first.IsScalar() || !kv.second.IsScalar()) throw FormatError(where + ": expected text keys and values");
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return out;
}

}  // namespace

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Manifest Manifest::load(const std::string& path) {
  Manifest m;
  std::ifstream in(path, std::ios::binary);
  if (!in) return m;
  std::ostringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw FormatError(path + ":" + std::to_string(e.mark.line + 1) + ": not a manifest sppo run wrote: " + e.msg);
  }
  if (root.IsNull()) return m;
  if (!root.IsMap() || !root["stages"] || !root["stages"].IsSequence())
    throw FormatError(path + ": not a manifest sppo run wrote (no 'stages' list)");
  for (const auto& entry : root["stages"]) {
    const std::string where = path + ":" + std::to_string(entry.Mark().line + 1);
    if (!entry.IsMap() || !entry["stage"] || !entry["stage"].IsScalar())
      throw FormatError(where + ": stage: every entry needs a stage name");
    StageRecord r;
    r.stage = entry["stage"].Scalar();
    r.settings = string_map(entry["settings"], where + ": settings");
    r.outputs = string_map(entry["outputs"], where + ": outputs");
    if (entry["finished"] && entry["finished"].IsScalar()) r.finished = entry["finished"].Scalar();
    m.stages_.push_back(std::move(r));
  }
  return m;
}

void Manifest::save(const std::string& path) const {
  YAML::Emitter out;
  out << YAML::Comment("written by sppo run: the stages that finished, their settings and outputs") << YAML::BeginMap;
  out << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : stages_) {
    out << YAML::BeginMap << YAML::Key << "stage" << YAML::Value << r.stage;
    out << YAML::Key << "finished" << YAML::Value << r.finished;
    for (const auto& [name, values] : {std::pair{"settings", &r.settings}, std::pair{"outputs", &r.outputs}}) {
      out << YAML::Key << name << YAML::Value << YAML::BeginMap;
      for (const auto& [k, v] : *values) out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  write_file_atomically(path, std::string(out.c_str()) + "\n");
}

const StageRecord* Manifest::find(const std::string& stage) const {
  for (const auto& r : stages_)
    if (r.stage == stage) return &r;
  return nullptr;
}

void Manifest::record(StageRecord record) {
  for (auto& r : stages_)
    if (r.stage == record.stage) {
      r = std::move(record);
      return;
    }
  stages_.push_back(std::move(record));
}

void Manifest::erase(const std::string& stage) {
  stages_.erase(std::remove_if(stages_.begin(), stages_.end(), [&](const StageRecord& r) { return r.stage == stage; }),
                stages_.end());
}

}  // namespace sppo
