// The MPI context every job runs in. A single process without mpirun is simply a world of size 1, in which
// every collective is the identity. Knows nothing of lensing or LoFi. <mpi.h> stays in communicator.cpp: the
// MPI handle is held behind a pointer, so headers that use a Communicator do not pull MPI's macros in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lofimap::distributed {

// Owns MPI_Init_thread / MPI_Finalize for the process. MPI is initialised only when the process was started
// by an MPI launcher (mpirun/mpiexec, srun with PMI/PMIx) or LOFIMAP_MPI=1 is set: an Open MPI singleton
// start costs ~0.3 s, and a plain `lofimap ks` on a laptop should not pay it. Without MPI the world is this
// process.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  static bool launched_by_mpi();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

enum class ReduceOp { Sum, Max, Min };

// A sum over the ranks in flight (Communicator::iallreduce_sum). The array must stay alive and untouched
// until wait() returns. Open MPI advances non-blocking collectives only inside MPI calls: test() gives it
// that chance and says whether the sum is complete. The destructor waits for a sum still in flight.
class PendingSum {
 public:
  PendingSum();
  ~PendingSum();
  PendingSum(PendingSum&&) noexcept;
  PendingSum& operator=(PendingSum&&) noexcept;
  bool test();
  void wait();

 private:
  friend class Communicator;
  struct Requests;
  std::unique_ptr<Requests> requests_;
};

class Communicator {
 public:
  static Communicator world();  // MPI_COMM_WORLD, or a world of one when MPI is not initialised
  static Communicator self();   // MPI_COMM_SELF: this process alone (a single-process reference run)
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // Typed collectives over contiguous arrays, defined for float, double, int, long long and std::uint64_t.
  // Arrays longer than 2^30 elements are sent in pieces (MPI counts are int).
  template <typename T>
  void allreduce(std::span<T> data, ReduceOp op) const;
  // Sums into rank 0's buffer (other ranks' buffers are left as they were).
  template <typename T>
  void reduce_sum_to_root(std::span<T> data) const;
  // Root's values on every rank (every rank passes an array of the same length).
  template <typename T>
  void broadcast(std::span<T> data, int root = 0) const;
  // Every rank's `local` concatenated in rank order, on every rank.
  template <typename T>
  std::vector<T> allgatherv(std::span<const T> local) const;
  // Where this rank's `count` items sit in a sequence the ranks hold in rank order: the items of the ranks
  // before it, and the total (collective).
  struct Offset {
    long long first = 0, total = 0;
  };
  Offset offset_of(long long count) const;
  // send holds, in rank order, send_counts[r] values for rank r; returns what every rank sent to this one, in
  // rank order (recv_counts, when given, receives how many came from each rank).
  template <typename T>
  std::vector<T> alltoallv(std::span<const T> send, std::span<const long long> send_counts,
                           std::vector<long long>* recv_counts = nullptr) const;

  // Point to point: `send` delivers an array (any length) to rank `dest`; `receive` returns what rank
  // `source` sent. For streaming a rank's share to the writer one rank at a time (no rank holds every share).
  template <typename T>
  void send(std::span<const T> data, int dest) const;
  template <typename T>
  std::vector<T> receive(int source) const;

  // Starts an in-place sum over the ranks (MPI_Iallreduce) and returns at once; float and double.
  template <typename T>
  PendingSum iallreduce_sum(std::span<T> data) const;

  // Convenience forms kept for the many callers that pass a pointer and a length.
  void allreduce_sum(double* data, std::size_t n) const {
    allreduce(std::span<double>(data, n), ReduceOp::Sum);
  }
  void allreduce_sum(long long* data, std::size_t n) const {
    allreduce(std::span<long long>(data, n), ReduceOp::Sum);
  }
  void allreduce_max(double* data, std::size_t n) const {
    allreduce(std::span<double>(data, n), ReduceOp::Max);
  }
  void reduce_sum_to_root(float* data, std::size_t n) const { reduce_sum_to_root(std::span<float>(data, n)); }
  void reduce_sum_to_root(double* data, std::size_t n) const {
    reduce_sum_to_root(std::span<double>(data, n));
  }
  void barrier() const;
  // Rank 0's string on every rank.
  std::string broadcast(const std::string& value) const;

  // Ranks with the same colour form a new communicator, ordered by key (MPI_Comm_split).
  Communicator split(int colour, int key) const;
  // The ranks sharing this rank's node (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)): its rank there picks the
  // node-local GPU. Works under srun, which does not set Open MPI's OMPI_COMM_WORLD_LOCAL_RANK.
  Communicator node_local() const;

  // The address of the MPI_Comm this object holds (nullptr when MPI is not initialised), for libraries that
  // take an MPI communicator themselves (parallel HDF5 in io/). Valid while this Communicator lives.
  const void* mpi_handle() const;

 private:
  struct Handle;
  explicit Communicator(std::shared_ptr<const Handle> handle);
  std::shared_ptr<const Handle> handle_;
  int rank_ = 0, size_ = 1;
};

// Ends every process of the job (MPI_Abort on MPI_COMM_WORLD) when MPI runs with more than one process, so
// that an error on one rank does not leave the others waiting in a collective; returns otherwise.
void abort_all_ranks(int exit_code);

// MPI library version string (for `lofimap version`).
std::string mpi_library_version();

struct RowRange {
  long begin = 0, end = 0;
};
// Contiguous, balanced split of [0, total) over size ranks (the first total % size ranks get one more row).
RowRange split_rows(long total, int rank, int size);

}  // namespace lofimap::distributed
