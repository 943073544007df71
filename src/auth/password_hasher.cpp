#include "auth/password_hasher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "auth/crypto/password.hpp"
#include "http/error.hpp"

namespace chatd::auth {

PasswordHasher::PasswordHasher(std::size_t threads, std::size_t queue)
    : pool_(threads < 1 ? 1 : threads),
      threads_(threads < 1 ? 1 : threads),
      capacity_(threads_ + queue) {}

PasswordHasher::~PasswordHasher() {
  stop();
}

void PasswordHasher::stop() {
  stopped_ = true;
  pool_.join();
}

std::int64_t PasswordHasher::retry_after_seconds() const {
  const auto ahead = static_cast<std::int64_t>(in_flight() + 1);
  const auto micros =
      hash_micros_.load(std::memory_order_relaxed) * ahead / static_cast<std::int64_t>(threads_);
  return (micros + 999'999) / 1'000'000;
}

template <typename Job>
boost::asio::awaitable<std::invoke_result_t<Job>> PasswordHasher::run(Job job) {
  using R = std::invoke_result_t<Job>;
  // Admission and release are one counter: a slot is taken here and given back on the pool
  // thread as soon as the hash is done, before the caller resumes.
  bool admitted = !stopped_.load();
  if (admitted && in_flight_.fetch_add(1, std::memory_order_acq_rel) >= capacity_) {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    admitted = false;
  }
  if (!admitted) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    throw http::retry_later(503, "Server busy, please try again later", retry_after_seconds());
  }
  auto task = [this, job = std::move(job)]() mutable -> boost::asio::awaitable<R> {
    struct Release {
      PasswordHasher& h;
      std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
      ~Release() {
        const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
        // An exponential moving average (1/8 weight): Retry-After follows the machine's load.
        const auto old = h.hash_micros_.load(std::memory_order_relaxed);
        h.hash_micros_.store(old + (took - old) / 8, std::memory_order_relaxed);
        h.in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      }
    } release{*this};
    co_return job();
  };
  co_return co_await boost::asio::co_spawn(pool_, std::move(task), boost::asio::use_awaitable);
}

boost::asio::awaitable<std::string> PasswordHasher::hash(std::string password) {
  auto job = [password = std::move(password)] { return hash_password(password); };
  co_return co_await run(std::move(job));
}

boost::asio::awaitable<bool> PasswordHasher::verify(std::string encoded_hash,
                                                    std::string password) {
  auto job = [encoded_hash = std::move(encoded_hash), password = std::move(password)] {
    return verify_password(encoded_hash, password);
  };
  co_return co_await run(std::move(job));
}

}  // namespace chatd::auth
