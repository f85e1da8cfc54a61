#include "dist/chunk_queue.hpp"

#include <chrono>

#include "core/error.hpp"

namespace sppo {
namespace {

constexpr int kRequestTag = 101;
constexpr int kReplyTag = 102;
constexpr int64_t kWantChunk = 1;
constexpr int64_t kLeaving = 2;  // a rank that stops before "no more"
constexpr int64_t kNoMore = -1;

}  // namespace

ChunkQueue::ChunkQueue(const RankGroup& group, std::vector<int64_t> pending, bool thread_multiple)
    : group_(group.duplicate()) {
  const int rank = group_.rank(), size = group_.size();
  dynamic_ = thread_multiple && size > 1;
  if (!dynamic_) {
    for (std::size_t i = 0; i < pending.size(); ++i)
      if (static_cast<int>(i % static_cast<std::size_t>(size)) == rank) pending_.push_back(pending[i]);
    return;
  }
  if (rank == 0) {
    pending_.assign(pending.begin(), pending.end());
    server_ = std::thread([this] {
      try {
        serve();
      } catch (const std::exception& e) {  // rank 0's next() raises it on the main thread
        std::lock_guard<std::mutex> lock(mutex_);
        server_error_ = e.what();
      }
    });
  }
}

ChunkQueue::~ChunkQueue() {
  if (dynamic_ && group_.rank() != 0 && !exhausted_) {
    int64_t message[3] = {kLeaving, 0, 0};
    MPI_Send(message, 3, MPI_INT64_T, 0, kRequestTag, group_.mpi_comm());  // a destructor cannot throw
  }
  if (server_.joinable()) server_.join();
}

std::optional<int64_t> ChunkQueue::take(Done done) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!server_error_.empty()) throw DistError(server_error_);
  reported_.items += done.items;
  reported_.tokens += done.tokens;
  if (pending_.empty()) return std::nullopt;
  const int64_t chunk = pending_.front();
  pending_.pop_front();
  return chunk;
}

ChunkQueue::Done ChunkQueue::reported() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reported_;
}

std::optional<int64_t> ChunkQueue::next(Done done_since_last) {
  if (exhausted_) {
    take(done_since_last);  // still counted; nothing left to hand out
    return std::nullopt;
  }
  std::optional<int64_t> chunk;
  if (!dynamic_ || group_.rank() == 0) {
    chunk = take(done_since_last);
  } else {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reported_.items += done_since_last.items;
      reported_.tokens += done_since_last.tokens;
    }
    int64_t message[3] = {kWantChunk, done_since_last.items, done_since_last.tokens}, reply = kNoMore;
    check_mpi(MPI_Send(message, 3, MPI_INT64_T, 0, kRequestTag, group_.mpi_comm()), "chunk queue: request");
    check_mpi(MPI_Recv(&reply, 1, MPI_INT64_T, 0, kReplyTag, group_.mpi_comm(), MPI_STATUS_IGNORE), "chunk queue: reply");
    if (reply != kNoMore) chunk = reply;
  }
  if (!chunk) exhausted_ = true;
  return chunk;
}

void ChunkQueue::serve() {
  // Polls with a short sleep rather than a blocking receive, so that rank 0's own compute
  // threads are not starved by a spinning MPI progress loop.
  int remaining = group_.size() - 1;  // ranks that have not yet been told "no more" or left
  while (remaining > 0) {
    int64_t message[3] = {0, 0, 0};  // kind, items done, tokens done
    MPI_Request request;
    check_mpi(MPI_Irecv(message, 3, MPI_INT64_T, MPI_ANY_SOURCE, kRequestTag, group_.mpi_comm(), &request),
              "chunk queue: receive a request");
    MPI_Status status;
    int done = 0;
    while (!done) {
      check_mpi(MPI_Test(&request, &done, &status), "chunk queue: wait for a request");
      if (!done) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (message[0] == kLeaving) {
      --remaining;
      continue;
    }
    const int64_t reply = take({message[1], message[2]}).value_or(kNoMore);
    check_mpi(MPI_Send(&reply, 1, MPI_INT64_T, status.MPI_SOURCE, kReplyTag, group_.mpi_comm()), "chunk queue: reply");
    if (reply == kNoMore) --remaining;
  }
}

}  // namespace sppo
