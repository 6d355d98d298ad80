// tests/core/run/test_heartbeat_threads.cpp — the heartbeat's thread against the main thread,
// run under ThreadSanitizer by sanitize.tsan_heartbeat (tests/sanitize/). The heartbeat is the one
// thread the project starts itself (OpenMP's belong to Kokkos): while it beats and watches peers
// every second, the scheduler changes the watched group, asks who is dead and stops it. These cases
// do that concurrently, so a member read or written without the mutex is a reported data race.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/run/heartbeat.hpp"

namespace fs = std::filesystem;
using xpb::Heartbeat;

namespace {

struct Dir {
  fs::path path;
  Dir() {
    path = fs::temp_directory_path() /
           ("xpb-hb-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("heartbeat: the group changes and dead() is asked while the thread beats and watches",
          "[heartbeat][threads]") {
  Dir dir;
  // Two ranks in one process, each watching both: every second each thread reads the group and
  // the other's file, while this thread rewrites the groups and reads the files too.
  Heartbeat a(dir.path.string(), 0, 30), b(dir.path.string(), 1, 30);
  const auto first = fs::last_write_time(dir.path / "0");
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2300);
  int rounds = 0;
  while (std::chrono::steady_clock::now() < until) {
    a.watch(0, 1 + rounds % 2);
    b.watch(0, 2 - rounds % 2);
    CHECK_FALSE(a.dead(1));
    CHECK_FALSE(b.dead(0));
    ++rounds;
    std::this_thread::sleep_for(std::chrono::milliseconds(7));
  }
  CHECK(rounds > 100);
  CHECK(fs::last_write_time(dir.path / "0") > first);  // the thread beat at least twice more
  a.stop();
  a.stop();  // a second stop (and the destructor's third) is harmless
  b.watch(0, 0);
}

TEST_CASE("heartbeat: stop() from another thread than the one that started it", "[heartbeat][threads]") {
  Dir dir;
  {
    Heartbeat hb(dir.path.string(), 3, 30);
    hb.watch(3, 1);
    std::thread t([&hb] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));
      hb.watch(2, 2);
      hb.stop();
    });
    t.join();
    CHECK_FALSE(hb.dead(3));
  }  // the destructor's stop() after the thread has been joined
  CHECK(fs::exists(dir.path / "3"));
}
