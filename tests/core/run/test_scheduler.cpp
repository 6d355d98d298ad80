// tests/core/run/test_scheduler.cpp — the schedulers without a launcher: phases and groups, claims,
// heartbeats, the dead-rank message, the serial scheduler on a real result set (order, resume,
// fragments left by a crashed distributed run) and the MPI scheduler on a world of one (its
// claims, heartbeats and tidying up). Several ranks: tests/mpi/*.sh with real mpirun processes.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/results/hdf5_util.hpp"
#include "core/run/mpi_scheduler.hpp"
#include "core/run/runner.hpp"
#include "core/run/scheduler.hpp"
#include "tests/core/toy_workload.hpp"
#include "tests/test_support.hpp"

using namespace xpb;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  Registry reg;
  ExperimentSpec spec;
  RunHeader header;
  std::vector<const Cell*> cells;
  Fixture() {
    test::register_toy(reg);
    spec = parse_experiment("name: sched\nrepeats: 2\nwarmup: 0\nworkloads:\n  - workload: toy\n"
                            "    params: {n: [10, 20, 30], mode: [ok, crash]}\n",
                            "sched.yaml", reg);
    header.spec = &spec;
    header.provenance = collect_provenance("xpb_tests");
    header.workloads_built = "toy";
    for (const auto& c : spec.cells) cells.push_back(&c);
  }
  CellRecord run(std::size_t i) const { return run_cell(*cells.at(i), reg, {}, Context{}); }
  // Runs every cell the scheduler hands out; returns their positions in order.
  std::vector<std::size_t> drain(Scheduler& s, CellTally& tally) const {
    std::vector<std::size_t> order;
    for (std::size_t i : s.plan(cells, [](const Cell&) { return 1; })) (void)i;
    while (const auto slot = s.next()) {
      order.push_back(slot->cell);
      CHECK(slot->leader);
      CHECK(slot->group.size() == 1);
      const CellRecord rec = run(slot->cell);
      s.commit(rec);
      tally.add(rec.status);
    }
    return order;
  }
};

}  // namespace

TEST_CASE("phases group cells by width in order; groups are consecutive ranks", "[core][scheduler]") {
  const auto phases = plan_phases({1, 2, -1, 4, 2, 1, 0}, 3);
  REQUIRE(phases.size() == 3);
  CHECK(phases[0].width == 1);
  CHECK(phases[0].cells == std::vector<std::size_t>{0, 5, 6});  // width 0 counts as 1
  CHECK(phases[1].width == 2);
  CHECK(phases[1].cells == std::vector<std::size_t>{1, 4});
  CHECK(phases[2].width == 3);  // 4 ranks asked, 3 in the world
  CHECK(phases[2].cells == std::vector<std::size_t>{3});
  CHECK(plan_phases({-1, -1}, 2).empty());
  const std::vector<int> colours = {phase_colour(0, 2, 5), phase_colour(1, 2, 5), phase_colour(2, 2, 5),
                                    phase_colour(3, 2, 5), phase_colour(4, 2, 5)};
  CHECK(colours == std::vector<int>{0, 0, 1, 1, -1});  // rank 4 sits the phase out
  CHECK(phase_colour(2, 1, 3) == 2);
  CHECK(phase_colour(2, 3, 3) == 0);
}

TEST_CASE("a cell is claimed exactly once", "[core][scheduler]") {
  test::TempDir dir;
  CHECK(claim(dir.path().string(), "cell-a"));
  CHECK_FALSE(claim(dir.path().string(), "cell-a"));
  CHECK(claim(dir.path().string(), "cell-b"));
  CHECK_FALSE(claim(dir.file("missing"), "cell-c"));  // no claims folder: nobody wins
}

TEST_CASE("a rank whose heartbeat is older than the timeout is dead", "[core][scheduler]") {
  test::TempDir dir;
  Heartbeat hb(dir.path().string(), 0, 0.3);
  REQUIRE(fs::exists(dir.file("0")));  // beats at once
  const auto first_beat = fs::last_write_time(dir.file("0"));
  CHECK_FALSE(hb.dead(0));
  CHECK_FALSE(hb.dead(1));  // never beat: counted from this one's start
  { std::ofstream(dir.file("2")) << "x"; }
  fs::last_write_time(dir.file("2"), fs::file_time_type::clock::now() - std::chrono::seconds(10));
  CHECK(hb.dead(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  CHECK(hb.dead(1));                                          // still no beat, past the timeout
  CHECK(fs::last_write_time(dir.file("0")) > first_beat);     // the thread beat again (every second)
  hb.stop();
}

TEST_CASE("the dead-rank message says who stopped and where the cells are", "[core][scheduler]") {
  CHECK(dead_rank_message(0, {1, 3}, 60, "out.h5", 2) ==
        "rank 0: rank(s) 1, 3 stopped (no heartbeat for 60 s); 2 more cell(s) absorbed; every finished "
        "cell is saved in out.h5. Run the same command with --resume to finish.");
  CHECK(dead_rank_message(1, {0}, 3.5, "out.h5", std::nullopt) ==
        "rank 1: rank(s) 0 stopped (no heartbeat for 3 s); every finished cell is saved in out.h5 or its "
        "fragments. Run the same command with --resume to finish.");
}

TEST_CASE("the serial scheduler runs the cells in order and resumes the unfinished", "[core][scheduler]") {
  test::TempDir dir;
  const Fixture fx;
  const StoreOptions opt{dir.file("s.h5"), false, false};
  CellTally tally;
  {
    SerialScheduler s(opt, fx.header);
    CHECK(fx.drain(s, tally) == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
    tally = s.finish(tally);
  }
  CHECK(tally.ran == 6);
  CHECK(tally.ok == 3);
  CHECK(tally.failed == 3);
  // Resumed: the ok cells are skipped, the failed ones run again.
  SerialScheduler again({opt.output, true, false}, fx.header);
  std::vector<std::size_t> skipped = again.plan(fx.cells, [](const Cell&) { return 1; });
  std::vector<std::size_t> rerun;
  while (const auto slot = again.next()) rerun.push_back(slot->cell);
  CHECK(skipped.size() == 3);
  CHECK(rerun.size() == 3);
  for (std::size_t i : rerun) CHECK(fx.cells[i]->params.get_string("mode") == "crash");
}

TEST_CASE("resuming takes in the fragments a distributed run left; starting over deletes them",
          "[core][scheduler]") {
  test::TempDir dir;
  const Fixture fx;
  const std::string out = dir.file("f.h5");
  std::size_t ok_cell = 1;
  while (fx.cells[ok_cell]->params.get_string("mode") != "ok") ++ok_cell;
  ResultStore::write_single(fragment_path(out, fx.cells[ok_cell]->id), fx.header, fx.run(ok_cell));
  {
    SerialScheduler s({out, true, false}, fx.header);
    const auto skipped = s.plan(fx.cells, [](const Cell&) { return 1; });
    CHECK(skipped == std::vector<std::size_t>{ok_cell});
  }
  CHECK(list_fragments(out).empty());
  ResultStore::write_single(fragment_path(out, fx.cells[2]->id), fx.header, fx.run(2));
  SerialScheduler fresh({out, false, true}, fx.header);
  CHECK_FALSE(fs::exists(fragment_dir(out)));
  CHECK(fresh.plan(fx.cells, [](const Cell&) { return 1; }).empty());
}

TEST_CASE("the MPI scheduler on one rank: claims, heartbeat, commit, tidy end", "[core][scheduler]") {
  REQUIRE(mpi::Group::world().size() == 1);  // unit tests run without a launcher
  test::TempDir dir;
  const Fixture fx;
  const std::string out = dir.file("m.h5");
  // Leftovers of an earlier run: a claim (must not keep its cell from running) and a heartbeat.
  fs::create_directories(fragment_dir(out) + "/claims");
  { std::ofstream(fragment_dir(out) + "/claims/" + fx.cells[0]->id) << ""; }
  CellTally tally;
  {
    MpiScheduler s({out, false, true}, fx.header, 60, [](const std::string&) {});
    CHECK(fs::exists(fragment_dir(out) + "/alive/0"));
    CHECK(fx.drain(s, tally) == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
    for (const Cell* c : fx.cells) CHECK(fs::exists(fragment_dir(out) + "/claims/" + c->id));
    tally = s.finish(tally);
    CHECK(s.store().done().size() == 3);
  }
  CHECK(tally.ran == 6);
  CHECK(tally.ok == 3);
  CHECK_FALSE(fs::exists(fragment_dir(out)));  // claims, heartbeats and the folder gone
  h5::Handle f = h5::open_file(out);
  CHECK(h5::children(h5::open_group(f, "cells")).size() == 6);
}

TEST_CASE("make_scheduler picks the serial scheduler for a world of one", "[core][scheduler]") {
  test::TempDir dir;
  const Fixture fx;
  const auto s = make_scheduler({dir.file("x.h5"), false, false}, fx.header, 0, [](const std::string&) {});
  CHECK(dynamic_cast<SerialScheduler*>(s.get()) != nullptr);
  CHECK(s->size() == 1);
}
