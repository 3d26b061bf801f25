// The MPI context every job runs in. A single process without mpirun is simply a world of size 1.
// Knows nothing of lensing or LoFi: sums, maxima and row ranges only.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <string>

namespace lofimap::distributed {

// Owns MPI_Init_thread / MPI_Finalize for the process. MPI is initialised only when the process was started by
// an MPI launcher (mpirun/mpiexec, srun with PMI/PMIx) or LOFIMAP_MPI=1 is set: an Open MPI singleton start
// costs ~0.3 s, and a plain `lofimap ks` on a laptop should not pay it. Without MPI the world is this process.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  static bool launched_by_mpi();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

class Communicator {
 public:
  static Communicator world();  // MPI_COMM_WORLD, or a world of one when MPI is not initialised
  static Communicator self();   // MPI_COMM_SELF: this process alone (a single-process reference run)
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  // The MPI communicator (MPI_COMM_NULL when MPI is not initialised), for libraries such as parallel HDF5.
  MPI_Comm native() const { return comm_; }

  void allreduce_sum(double* data, std::size_t n) const;
  void allreduce_sum(long long* data, std::size_t n) const;
  void allreduce_max(double* data, std::size_t n) const;
  // Sums into rank 0's buffer (other ranks' buffers are left as they were). Chunked for arrays > 2^31.
  void reduce_sum_to_root(float* data, std::size_t n) const;
  void reduce_sum_to_root(double* data, std::size_t n) const;
  void barrier() const;
  // Rank 0's string on every rank.
  std::string broadcast(const std::string& value) const;

 private:
  explicit Communicator(MPI_Comm comm);
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

// MPI library version string (for `lofimap version`).
std::string mpi_library_version();

struct RowRange {
  long begin = 0, end = 0;
};
// Contiguous, balanced split of [0, total) over size ranks (the first total % size ranks get one more row).
RowRange split_rows(long total, int rank, int size);

}  // namespace lofimap::distributed
