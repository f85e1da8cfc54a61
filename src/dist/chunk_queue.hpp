#pragma once
// defines: sppo::ChunkQueue, dynamic hand-out of chunk indices so that every chunk is
// processed exactly once, whatever the rank count, on one node or across nodes.
//
// Rank 0 runs a server thread on its own duplicate communicator: other ranks send a
// request and receive the next chunk (or "no more"). Rank 0 takes chunks for its own work
// under the same mutex. (A one-sided MPI_Fetch_and_op counter is not portable over TCP:
// ENVIRONMENT.md.) Without MPI_THREAD_MULTIPLE the queue falls back to a static
// round-robin split, which is still exactly-once.
#include <mpi.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dist/rank_group.hpp"

namespace sppo {

// Work a rank finished since its last request: rides on the request, so that rank 0 can
// show the job's progress without any extra message.
struct ChunkWorkDone {
  int64_t items = 0;   // e.g. prompts
  int64_t tokens = 0;  // e.g. generated tokens
};

class ChunkQueue {
 public:
  // Collective over `group` (the queue talks on a duplicate of it). `pending` must be the
  // same list on every rank (the chunks not yet done, in the order to hand them out).
  // `thread_multiple`: MPI allows the server thread (else the static split).
  ChunkQueue(const RankGroup& group, std::vector<int64_t> pending, bool thread_multiple);
  // Collective. A rank that stops asking early tells the server, so nobody waits forever.
  ~ChunkQueue();
  ChunkQueue(const ChunkQueue&) = delete;
  ChunkQueue& operator=(const ChunkQueue&) = delete;

  using Done = ChunkWorkDone;

  // The next chunk for this rank, or nullopt when every chunk has been handed out.
  std::optional<int64_t> next(Done done_since_last = Done());

  // Rank 0 (dynamic queue): everything reported by every rank so far; other ranks and the
  // static fallback: this rank's own reports.
  Done reported() const;

  bool dynamic() const { return dynamic_; }

 private:
  void serve();                      // rank 0's server thread
  std::optional<int64_t> take(Done done);  // pops under mutex_ and adds `done` to reported_

  RankGroup group_;
  bool dynamic_ = true;
  bool exhausted_ = false;           // this rank got "no more"
  std::deque<int64_t> pending_;      // rank 0 (dynamic) or this rank's share (static)
  Done reported_;
  std::string server_error_;         // what stopped the server thread, if anything
  mutable std::mutex mutex_;
  std::thread server_;
};

}  // namespace sppo
