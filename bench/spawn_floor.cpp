// The machine's floor for starting a process: posix_spawn one program and
// wait for it, N times in a row, and print the time per start. No Tepui code
// is involved; this is what any scheduler that runs a task as a process pays.
//
//   bench_spawn_floor N PROGRAM [ARGS...]
//   bench_spawn_floor 500 /bin/sh -c true
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s N PROGRAM [ARGS...]\n", argv[0]);
    return 2;
  }
  int n = std::atoi(argv[1]);
  std::vector<char*> args(argv + 2, argv + argc);
  args.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    pid_t pid;
    if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) {
      std::perror("posix_spawn");
      return 1;
    }
    int status;
    waitpid(pid, &status, 0);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d starts of %s: %.3f s, %.0f/s, %.3f ms each\n", n, args[0], seconds, n / seconds,
              1000 * seconds / n);
  return 0;
}
