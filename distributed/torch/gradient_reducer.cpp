#include "distributed/torch/gradient_reducer.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace lofimap::distributed {

GradientReducer::GradientReducer(const Communicator& comm, std::unique_ptr<ReductionBackend> backend,
                                 std::vector<torch::Tensor> parameters, ReducerOptions options)
    : backend_(std::move(backend)), parameters_(std::move(parameters)), options_(options), comm_(comm) {
  if (!backend_) return;  // one rank: nothing to reduce
  // Buckets in reverse parameter order; a bucket closes once it holds at least its byte cap.
  where_.resize(parameters_.size());
  Bucket current;
  long long bytes = 0;
  auto close = [&] {
    if (current.entries.empty()) return;
    current.flat =
        torch::zeros({bytes / 4}, torch::TensorOptions().dtype(torch::kFloat).device(backend_->device()));
    current.filled.assign(current.entries.size(), 0);
    buckets_.push_back(std::move(current));
    current = Bucket{};
    bytes = 0;
  };
  for (std::size_t k = parameters_.size(); k-- > 0;) {
    const auto& p = parameters_[k];
    if (!p.requires_grad()) continue;
    where_[k] = {buckets_.size(), current.entries.size()};
    current.entries.push_back({k, bytes / 4, p.numel()});
    bytes += p.numel() * 4;
    const std::size_t cap = buckets_.empty() ? options_.first_bucket_bytes : options_.bucket_bytes;
    if (static_cast<std::size_t>(bytes) >= cap) close();
  }
  close();
  stats_.buckets = static_cast<int>(buckets_.size());
  for (const auto& b : buckets_) stats_.bytes_per_step += b.flat.numel() * 4;
  for (std::size_t k = 0; k < parameters_.size(); ++k) {
    if (!parameters_[k].requires_grad()) {
      hooks_.push_back(0);
      continue;
    }
    hooks_.push_back(
        parameters_[k].register_hook([this, k](const torch::Tensor& grad) { on_gradient(k, grad); }));
  }
}

GradientReducer::~GradientReducer() {
  if (!backend_) return;
  for (auto& b : buckets_)  // a step abandoned by an exception: its sums must end before the buffers go
    if (b.sum) try {
        b.sum->wait();
      } catch (...) {
      }
  for (std::size_t k = 0; k < parameters_.size(); ++k)
    if (parameters_[k].requires_grad()) parameters_[k].remove_hook(hooks_[k]);
}

void GradientReducer::broadcast_parameters() {
  if (!backend_) return;
  torch::NoGradGuard no_grad;
  for (auto& p : parameters_) {
    auto values = p.detach().to(backend_->device(), torch::kFloat).contiguous();
    backend_->broadcast(values);
    p.copy_(values);
  }
}

void GradientReducer::prepare_backward(bool last) {
  hooks_reduce_ = last && options_.overlap && backend_;
}

void GradientReducer::on_gradient(std::size_t k, const torch::Tensor& grad) {
  if (!hooks_reduce_) return;
  torch::NoGradGuard no_grad;
  auto [b, e] = where_[k];
  Bucket& bucket = buckets_[b];
  const Entry& entry = bucket.entries[e];
  // The hook sees this pass's gradient before it is added to .grad: the bucket gets their sum, which is what
  // .grad will hold after the pass.
  auto slot = bucket.flat.narrow(0, entry.offset, entry.numel);
  const auto& before = parameters_[k].grad();
  if (before.defined())
    slot.copy_((before + grad).reshape({-1}));
  else
    slot.copy_(grad.reshape({-1}));
  if (!bucket.filled[e]) bucket.filled[e] = 1, ++bucket.ready;
  launch_ready_buckets();
}

// Buckets start in index order on every rank (collectives must be issued in the same order everywhere).
void GradientReducer::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == buckets_[next_launch_].entries.size())
    launch(buckets_[next_launch_++]);
  for (std::size_t b = 0; b < next_launch_; ++b)  // give MPI a chance to progress the sums in flight
    if (buckets_[b].sum) buckets_[b].sum->test();
}

void GradientReducer::launch(Bucket& bucket) {
  bucket.sum = backend_->start_sum(bucket.flat);
}

void GradientReducer::finish_step() {
  if (!backend_) return;
  torch::NoGradGuard no_grad;
  // Values the hooks did not copy (overlap off, a parameter without a gradient this pass, an abandoned step):
  // the gradient as it stands, or zeros.
  for (std::size_t b = next_launch_; b < buckets_.size(); ++b) {
    Bucket& bucket = buckets_[b];
    for (std::size_t e = 0; e < bucket.entries.size(); ++e) {
      if (bucket.filled[e]) continue;
      const auto& entry = bucket.entries[e];
      auto slot = bucket.flat.narrow(0, entry.offset, entry.numel);
      const auto& g = parameters_[entry.parameter].grad();
      if (g.defined())
        slot.copy_(g.reshape({-1}));
      else
        slot.zero_();
    }
  }
  while (next_launch_ < buckets_.size()) launch(buckets_[next_launch_++]);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& bucket : buckets_) {
    bucket.sum->wait();
    bucket.sum.reset();
  }
  stats_.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& bucket : buckets_) {
    for (const auto& entry : bucket.entries) {
      auto& p = parameters_[entry.parameter];
      const auto summed = bucket.flat.narrow(0, entry.offset, entry.numel).view(p.sizes());
      if (p.grad().defined())
        p.mutable_grad().copy_(summed);
      else
        p.mutable_grad() = summed.clone().to(p.device(), p.scalar_type());
    }
    bucket.ready = 0;
    std::fill(bucket.filled.begin(), bucket.filled.end(), 0);
  }
  next_launch_ = 0;
  hooks_reduce_ = false;
  ++stats_.steps;
}

void GradientReducer::check_replicas(long step) const {
  if (!backend_) return;
  // FNV-1a over every parameter's float32 bytes: equal hashes on all ranks = bitwise-equal replicas.
  std::uint64_t h = 1469598103934665603ull;
  for (const auto& p : parameters_) {
    const auto t = p.detach().to(torch::kCPU, torch::kFloat).contiguous();
    const auto* bytes = reinterpret_cast<const unsigned char*>(t.data_ptr<float>());
    for (long long i = 0; i < t.numel() * 4; ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  }
  const std::uint64_t mine[1] = {h};
  const auto all = comm_.allgatherv(std::span<const std::uint64_t>(mine, 1));
  std::string differ;
  for (std::size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differ += (differ.empty() ? "" : ", ") + std::to_string(r);
  if (!differ.empty())
    throw std::runtime_error("replica check at step " + std::to_string(step) +
                             ": the parameters of rank(s) " + differ +
                             " differ from rank 0's (the replicas diverged)");
}

std::unique_ptr<GradientReducer> make_gradient_reducer(const Communicator& comm,
                                                       std::vector<torch::Tensor> parameters,
                                                       ReducerOptions options) {
  std::unique_ptr<ReductionBackend> backend;
  if (comm.size() > 1) {
    const bool cuda = !parameters.empty() && parameters.front().is_cuda();
    backend = cuda ? make_nccl_backend(comm, parameters.front().device().index()) : make_mpi_backend(comm);
  }
  return std::make_unique<GradientReducer>(comm, std::move(backend), std::move(parameters), options);
}

}  // namespace lofimap::distributed
