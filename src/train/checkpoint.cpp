#include "train/checkpoint.hpp"

#include <ATen/ATen.h>
#include <dirent.h>

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/disk_space.hpp"
#include "io/hdf5.hpp"

namespace sppo {
namespace {

constexpr int64_t kCheckpointSchemaVersion = 1;

std::string unit_path(int64_t unit, const std::string& what) { return "/unit" + std::to_string(unit) + "/" + what; }

// This rank's real elements of a slice, as a contiguous f32 tensor in host memory (HDF5
// writes from there, wherever the slice lives).
at::Tensor real_part(const at::Tensor& slice, const FlatLayout& layout, int rank) {
  return slice.slice(0, 0, layout.real_end(rank) - layout.real_begin(rank)).cpu().contiguous();
}

}  // namespace

void save_checkpoint(const std::string& path, const ShardedModel& model, Optimizer& optimizer,
                     const std::string& optimizer_name, const TrainProgress& progress, const RankGroup& group) {
  const int rank = group.rank(), world = group.size();
  const std::string partial = path + ".partial";
  uint64_t bytes = 0;  // per unit: the master vector and each optimizer state, f32
  for (int64_t u = 0; u < model.num_units(); ++u)
    bytes += static_cast<uint64_t>(model.unit(u).layout().numel()) * 4 * (1 + optimizer.state_names().size());
  require_free_space(group, partial, bytes);
  {
    h5::File file = h5::File::create(partial, group.mpi_comm());
    file.set_attribute("sppo_schema", std::string("checkpoint"));
    file.set_attribute("schema_version", kCheckpointSchemaVersion);
    file.set_attribute("optimizer", optimizer_name);
    file.set_attribute("step", progress.step);
    file.set_attribute("epoch", progress.epoch);
    file.set_attribute("data_position", progress.data_position);
    file.set_attribute("world_size", static_cast<int64_t>(world));
    file.set_attribute("optimizer_steps", optimizer.steps_taken());
    for (int64_t u = 0; u < model.num_units(); ++u) {
      const FlatLayout& layout = model.unit(u).layout();
      std::vector<std::pair<std::string, at::Tensor>> vectors{{"master", model.unit(u).master()}};
      for (const auto& name : optimizer.state_names()) vectors.emplace_back(name, optimizer.state(u, name));
      for (const auto& [name, slice] : vectors) {
        h5::Dataset d = file.create_dataset(unit_path(u, name), h5::ElementType::f32, {layout.numel()});
        const at::Tensor mine = real_part(slice, layout, rank);
        d.write_rows(layout.real_begin(rank), mine.numel(), mine.data_ptr<float>());
      }
    }
    file.flush();
    file.close();
  }
  publish_partial(group, partial, path);
}

TrainProgress load_checkpoint(const std::string& path, ShardedModel& model, Optimizer& optimizer,
                              const std::string& optimizer_name, const RankGroup& group) {
  const int rank = group.rank();
  if (!h5::is_hdf5(path)) throw FormatError(path + ": not an HDF5 file (or missing)");
  h5::File file = h5::File::open(path, false, group.mpi_comm());
  if (file.string_attribute("sppo_schema").value_or("") != "checkpoint")
    throw FormatError(path + ": not an sppo checkpoint");
  if (file.int_attribute("schema_version").value_or(0) != kCheckpointSchemaVersion)
    throw FormatError(path + ": checkpoint schema version " + std::to_string(file.int_attribute("schema_version").value_or(0)) +
                      ", this sppo reads " + std::to_string(kCheckpointSchemaVersion));
  const std::string saved_optimizer = file.string_attribute("optimizer").value_or("");
  if (saved_optimizer != optimizer_name)
    throw FormatError(path + ": written with optimizer " + saved_optimizer + ", this run uses " + optimizer_name);
  TrainProgress progress;
  progress.step = file.int_attribute("step").value_or(0);
  progress.epoch = file.int_attribute("epoch").value_or(0);
  progress.data_position = file.int_attribute("data_position").value_or(0);
  optimizer.set_steps_taken(file.int_attribute("optimizer_steps").value_or(progress.step));
  for (int64_t u = 0; u < model.num_units(); ++u) {
    const FlatLayout& layout = model.unit(u).layout();
    std::vector<std::pair<std::string, at::Tensor*>> vectors{{"master", &model.unit(u).master()}};
    for (const auto& name : optimizer.state_names()) vectors.emplace_back(name, &optimizer.state(u, name));
    for (auto& [name, slice] : vectors) {
      const h5::Dataset d = file.open_dataset(unit_path(u, name));
      if (d.dims() != std::vector<int64_t>{layout.numel()})
        throw FormatError(path + ": " + unit_path(u, name) + " does not hold " + std::to_string(layout.numel()) +
                          " elements: a checkpoint of another model");
      at::Tensor mine = at::zeros({layout.shard_numel()}, at::kFloat);
      d.read_rows(layout.real_begin(rank), layout.real_end(rank) - layout.real_begin(rank), mine.data_ptr<float>());
      slice->copy_(mine);
    }
  }
  return progress;
}

namespace {

// The steps of the complete checkpoints in `folder`, ascending: "step-<n>.h5" exactly (a
// ".partial" never matches).
std::vector<long long> checkpoint_steps(const std::string& folder) {
  std::vector<long long> steps;
  DIR* dir = opendir(folder.c_str());
  if (!dir) return steps;
  while (dirent* e = readdir(dir)) {
    long long step = -1;
    char tail[8] = {0};
    if (std::sscanf(e->d_name, "step-%lld.h%1s", &step, tail) == 2 && std::string(e->d_name) == "step-" + std::to_string(step) + ".h5")
      steps.push_back(step);
  }
  closedir(dir);
  std::sort(steps.begin(), steps.end());
  return steps;
}

}  // namespace

std::optional<std::string> newest_checkpoint(const std::string& folder) {
  const auto steps = checkpoint_steps(folder);
  if (steps.empty()) return std::nullopt;
  return folder + "/step-" + std::to_string(steps.back()) + ".h5";
}

int64_t prune_checkpoints(const std::string& folder, int64_t keep) {
  const auto steps = checkpoint_steps(folder);
  int64_t removed = 0;
  for (std::size_t i = 0; i + static_cast<std::size_t>(std::max<int64_t>(keep, 1)) < steps.size(); ++i) {
    const std::string path = folder + "/step-" + std::to_string(steps[i]) + ".h5";
    if (std::remove(path.c_str()) != 0) throw_io_error(path, "remove", errno);
    ++removed;
  }
  return removed;
}

}  // namespace sppo
