#pragma once
// argon2id on a pool of its own: `threads` hashes at a time and at most `queue` more waiting.
// Database calls run on the blocking pool, so a flood of registrations or logins delays only
// other registrations and logins, and memory stays bounded (each running hash takes 64 MiB).
// When the queue is full the caller is refused at once: 503 with Retry-After.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

namespace chatd::auth {

class PasswordHasher {
 public:
  // threads >= 1; queue may be 0 (no waiting: only `threads` hashes in flight).
  PasswordHasher(std::size_t threads, std::size_t queue);
  ~PasswordHasher();
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

  // Both throw HttpError 503 "Server busy, please try again later" (with Retry-After) when
  // threads + queue hashes are in flight already.
  boost::asio::awaitable<std::string> hash(std::string password);
  boost::asio::awaitable<bool> verify(std::string encoded_hash, std::string password);

  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  // Finishes the hashes in flight; later calls are refused.
  void stop();

 private:
  template <typename Job>
  boost::asio::awaitable<std::invoke_result_t<Job>> run(Job job);
  // Seconds until a slot is likely free: the work ahead divided among the threads.
  std::int64_t retry_after_seconds() const;

  boost::asio::thread_pool pool_;
  std::size_t threads_;
  std::size_t capacity_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::int64_t> hash_micros_{100'000};  // moving average of one hash
  std::atomic<bool> stopped_{false};
};

}  // namespace chatd::auth
