// An owned file descriptor: closed when the UniqueFd goes, movable, not
// copyable. get() < 0 means none (a failed open(2) can be wrapped as is).
#pragma once

namespace tepui {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  // Gives the descriptor up without closing it.
  int release();

 private:
  int fd_ = -1;
};

}  // namespace tepui
