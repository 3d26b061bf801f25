#include "distributed/communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>
#include <stdexcept>
#include <vector>

namespace lofimap::distributed {

bool MpiSession::launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(var)) return true;
  }
  const char* force = std::getenv("LOFIMAP_MPI");
  return force && std::string(force) == "1";
}

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised && launched_by_mpi()) {
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  }
}

MpiSession::~MpiSession() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (initialised && !finalised) MPI_Finalize();
}

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    comm_ = MPI_COMM_NULL;  // serial: a world of one, collectives are identities
    return;
  }
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Communicator Communicator::world() { return Communicator(MPI_COMM_WORLD); }
Communicator Communicator::self() { return Communicator(MPI_COMM_SELF); }

namespace {

constexpr std::size_t kChunk = static_cast<std::size_t>(INT_MAX) / 2;

template <typename T>
void allreduce(MPI_Comm comm, T* data, std::size_t n, MPI_Datatype type, MPI_Op op) {
  if (comm == MPI_COMM_NULL) return;
  for (std::size_t off = 0; off < n; off += kChunk) {
    const int count = static_cast<int>(std::min(kChunk, n - off));
    MPI_Allreduce(MPI_IN_PLACE, data + off, count, type, op, comm);
  }
}

template <typename T>
void reduce_root(MPI_Comm comm, T* data, std::size_t n, MPI_Datatype type, int rank) {
  if (comm == MPI_COMM_NULL) return;
  for (std::size_t off = 0; off < n; off += kChunk) {
    const int count = static_cast<int>(std::min(kChunk, n - off));
    if (rank == 0)
      MPI_Reduce(MPI_IN_PLACE, data + off, count, type, MPI_SUM, 0, comm);
    else
      MPI_Reduce(data + off, nullptr, count, type, MPI_SUM, 0, comm);
  }
}

}  // namespace

void Communicator::allreduce_sum(double* data, std::size_t n) const { allreduce(comm_, data, n, MPI_DOUBLE, MPI_SUM); }
void Communicator::allreduce_sum(long long* data, std::size_t n) const {
  allreduce(comm_, data, n, MPI_LONG_LONG, MPI_SUM);
}
void Communicator::allreduce_max(double* data, std::size_t n) const { allreduce(comm_, data, n, MPI_DOUBLE, MPI_MAX); }
void Communicator::reduce_sum_to_root(float* data, std::size_t n) const { reduce_root(comm_, data, n, MPI_FLOAT, rank_); }
void Communicator::reduce_sum_to_root(double* data, std::size_t n) const {
  reduce_root(comm_, data, n, MPI_DOUBLE, rank_);
}
void Communicator::barrier() const {
  if (comm_ != MPI_COMM_NULL) MPI_Barrier(comm_);
}

std::string Communicator::broadcast(const std::string& value) const {
  if (comm_ == MPI_COMM_NULL) return value;
  long long len = static_cast<long long>(value.size());
  MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm_);
  std::vector<char> buf(value.begin(), value.end());
  buf.resize(static_cast<std::size_t>(len));
  MPI_Bcast(buf.data(), static_cast<int>(len), MPI_CHAR, 0, comm_);
  return std::string(buf.begin(), buf.end());
}

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, static_cast<std::size_t>(len));
  const auto comma = s.find(',');
  return comma == std::string::npos ? s : s.substr(0, comma);
}

RowRange split_rows(long total, int rank, int size) {
  const long base = total / size, extra = total % size;
  const long begin = rank * base + std::min<long>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

}  // namespace lofimap::distributed
