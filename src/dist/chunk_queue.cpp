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

ChunkQueue::ChunkQueue(MPI_Comm comm, std::vector<int64_t> pending, bool thread_multiple)
    : comm_(MpiComm::duplicate(comm)) {
  MPI_Comm_rank(comm_.get(), &rank_);
  MPI_Comm_size(comm_.get(), &size_);
  dynamic_ = thread_multiple && size_ > 1;
  if (!dynamic_) {
    for (std::size_t i = 0; i < pending.size(); ++i)
      if (static_cast<int>(i % static_cast<std::size_t>(size_)) == rank_) pending_.push_back(pending[i]);
    return;
  }
  if (rank_ == 0) {
    pending_.assign(pending.begin(), pending.end());
    server_ = std::thread([this] { serve(); });
  }
}

ChunkQueue::~ChunkQueue() {
  if (dynamic_ && rank_ != 0 && !exhausted_) {
    int64_t message[3] = {kLeaving, 0, 0};
    MPI_Send(message, 3, MPI_INT64_T, 0, kRequestTag, comm_.get());
  }
  if (server_.joinable()) server_.join();
}

std::optional<int64_t> ChunkQueue::take(Done done) {
  std::lock_guard<std::mutex> lock(mutex_);
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
  if (!dynamic_ || rank_ == 0) {
    chunk = take(done_since_last);
  } else {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reported_.items += done_since_last.items;
      reported_.tokens += done_since_last.tokens;
    }
    int64_t message[3] = {kWantChunk, done_since_last.items, done_since_last.tokens}, reply = kNoMore;
    check_mpi(MPI_Send(message, 3, MPI_INT64_T, 0, kRequestTag, comm_.get()), "chunk queue: request");
    check_mpi(MPI_Recv(&reply, 1, MPI_INT64_T, 0, kReplyTag, comm_.get(), MPI_STATUS_IGNORE), "chunk queue: reply");
    if (reply != kNoMore) chunk = reply;
  }
  if (!chunk) exhausted_ = true;
  return chunk;
}

void ChunkQueue::serve() {
  // Polls with a short sleep rather than a blocking receive, so that rank 0's own compute
  // threads are not starved by a spinning MPI progress loop.
  int remaining = size_ - 1;  // ranks that have not yet been told "no more" or left
  while (remaining > 0) {
    int64_t message[3] = {0, 0, 0};  // kind, items done, tokens done
    MPI_Request request;
    MPI_Irecv(message, 3, MPI_INT64_T, MPI_ANY_SOURCE, kRequestTag, comm_.get(), &request);
    MPI_Status status;
    int done = 0;
    while (!done) {
      MPI_Test(&request, &done, &status);
      if (!done) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (message[0] == kLeaving) {
      --remaining;
      continue;
    }
    const int64_t reply = take({message[1], message[2]}).value_or(kNoMore);
    MPI_Send(&reply, 1, MPI_INT64_T, status.MPI_SOURCE, kReplyTag, comm_.get());
    if (reply == kNoMore) --remaining;
  }
}

}  // namespace sppo
