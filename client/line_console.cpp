// Console for non-interactive use (console.h): stdin lines in, stdout lines out.
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "console.h"

namespace imchat::client {

namespace {

class LineConsole : public Console {
 public:
  explicit LineConsole(int in_fd) : fd_(in_fd) {}

  int fd() const override { return fd_; }
  bool at_eof() const override { return eof_; }
  bool color() const override { return false; }
  void SetPrompt(const std::string&) override {}

  std::vector<std::string> Read() override {
    std::vector<std::string> lines;
    char buf[4096];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return lines;
    if (n <= 0) {
      eof_ = true;
      if (!partial_.empty()) lines.push_back(std::move(partial_));
      partial_.clear();
      return lines;
    }
    partial_.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = partial_.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
    }
    partial_.erase(0, start);
    return lines;
  }

  void Print(const std::string& line) override {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

 private:
  int fd_;
  bool eof_ = false;
  std::string partial_;
};

}  // namespace

std::unique_ptr<Console> MakeLineConsole(int in_fd) { return std::make_unique<LineConsole>(in_fd); }

}  // namespace imchat::client
