// Allocator benchmarks in the shape of Mesos's DeclineOffers: N agents of
// "cpus:24;mem:4096;disk:4096;ports:[31000-32000]", M frameworks in one role,
// each agent starting with a small task of one framework (round robin).
//
//   DeclineOffers      a cycle after every previous offer was declined with a
//                      long filter: each agent goes to a framework that has
//                      not refused it yet (the walk skips those that have).
//   AllFiltered/*      every framework has refused every agent (N*M
//                      filters), so nothing is offered. quiet: nothing
//                      changed since the last cycle. one_update: one
//                      framework sent UPDATE_FRAMEWORK (only it is asked on
//                      each agent). full_walk: 100 did, so every agent
//                      examines every framework (N*M filter checks).
//   RecoverNoFilter    a cycle after every offer was given back without a
//                      filter: every agent is offered again.
//   AddAgents          adding N agents with M frameworks present.
//
// Run: build/bench/bench_allocator_bench --benchmark_filter=. (one core).
#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "allocator/allocator.hpp"

namespace {

using tepui::Resources;
using namespace tepui::allocator;

constexpr double kLongFilter = 1e6;

Resources parse(const char* text) { return *Resources::parse(text); }

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

tepui::v1::FrameworkInfo frameworkInfo() {
  tepui::v1::FrameworkInfo info;
  info.set_user("bench");
  info.set_name("bench");
  info.add_roles("*");
  info.add_capabilities()->set_type(tepui::v1::FrameworkInfo::Capability::MULTI_ROLE);
  return info;
}

std::string frameworkId(int i) { return "framework-" + std::to_string(i); }
std::string agentId(int i) { return "agent-" + std::to_string(i); }

void addFrameworks(Allocator& allocator, int frameworks) {
  for (int i = 0; i < frameworks; ++i) allocator.addFramework(frameworkId(i), frameworkInfo(), {}, true);
}

const char* kAgent = "cpus:24;mem:4096;disk:4096;ports:[31000-32000]";

// With `tasks`, agent i reports a small task of framework i % frameworks.
void addAgents(Allocator& allocator, int agents, int frameworks, bool tasks = true) {
  static const Resources total = parse(kAgent);
  static const Resources task = parse("cpus:1;mem:128;disk:128;ports:[31000-31000]").allocate("*");
  tepui::v1::AgentInfo info;
  for (int i = 0; i < agents; ++i) {
    info.set_hostname(agentId(i));
    std::map<std::string, Resources> used;
    if (tasks) used.emplace(frameworkId(i % frameworks), task);
    allocator.addAgent(agentId(i), info, total, used);
  }
}

std::unique_ptr<Allocator> cluster(int agents, int frameworks, bool tasks = true) {
  auto allocator = createHierarchicalDRF({});
  addFrameworks(*allocator, frameworks);
  addAgents(*allocator, agents, frameworks, tasks);
  return allocator;
}

void BM_DeclineOffers(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int frameworks = static_cast<int>(state.range(1));
  auto allocator = cluster(agents, frameworks);
  double now = 0;
  std::vector<Allocation> offers = allocator->allocate(now);
  size_t offered = 0;
  double declineSeconds = 0;  // the master's side: handing the declines back (CPU time)
  for (auto _ : state) {
    state.PauseTiming();
    double start = threadCpuSeconds();
    for (const auto& o : offers) allocator->recoverResources(o.frameworkId, o.agentId, o.resources, kLongFilter, now);
    declineSeconds += threadCpuSeconds() - start;
    now += 1;
    state.ResumeTiming();
    offers = allocator->allocate(now);
    offered += offers.size();
  }
  state.counters["offers/cycle"] = static_cast<double>(offered) / static_cast<double>(state.iterations());
  state.counters["declines_cpu_ms"] = 1000 * declineSeconds / static_cast<double>(state.iterations());
}

// Every framework has declined every whole agent for long. Recovering what
// is not allocated is what a late DECLINE does: it only installs the filter.
// Built once per shape and shared (it takes a while at 10M filters).
Allocator& allFiltered(int agents, int frameworks, double* setupSeconds) {
  static std::map<std::pair<int, int>, std::pair<std::unique_ptr<Allocator>, double>> built;
  auto& entry = built[{agents, frameworks}];
  if (!entry.first) {
    auto start = std::chrono::steady_clock::now();
    entry.first = cluster(agents, frameworks, /*tasks=*/false);
    const Resources whole = parse(kAgent).allocate("*");
    for (int a = 0; a < agents; ++a) {
      for (int f = 0; f < frameworks; ++f)
        entry.first->recoverResources(frameworkId(f), agentId(a), whole, kLongFilter, 0);
    }
    entry.first->allocate(1);
    entry.second = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  *setupSeconds = entry.second;
  return *entry.first;
}

// `changed` frameworks send a no-op UPDATE_FRAMEWORK before each cycle:
// 0 is a quiet cluster, 1 asks only that framework on every agent, and more
// than the allocator's candidate cutoff (64) makes every agent examine every
// framework: N*M filter checks.
void BM_AllFiltered(benchmark::State& state, int changed) {
  const int agents = static_cast<int>(state.range(0));
  const int frameworks = static_cast<int>(state.range(1));
  double setupSeconds = 0;
  Allocator& allocator = allFiltered(agents, frameworks, &setupSeconds);
  const auto info = frameworkInfo();
  static double now = 2;
  size_t offered = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int f = 0; f < changed; ++f) allocator.updateFramework(frameworkId(f), info, {});
    state.ResumeTiming();
    offered += allocator.allocate(now++).size();
  }
  state.counters["offers/cycle"] = static_cast<double>(offered) / static_cast<double>(state.iterations());
  state.counters["setup_s"] = setupSeconds;
}

void BM_RecoverNoFilter(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int frameworks = static_cast<int>(state.range(1));
  auto allocator = cluster(agents, frameworks);
  double now = 0;
  std::vector<Allocation> offers = allocator->allocate(now);
  size_t offered = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (const auto& o : offers) allocator->recoverResources(o.frameworkId, o.agentId, o.resources, std::nullopt, now);
    now += 1;
    state.ResumeTiming();
    offers = allocator->allocate(now);
    offered += offers.size();
  }
  state.counters["offers/cycle"] = static_cast<double>(offered) / static_cast<double>(state.iterations());
}

void BM_AddAgents(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int frameworks = static_cast<int>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    auto allocator = createHierarchicalDRF({});
    addFrameworks(*allocator, frameworks);
    state.ResumeTiming();
    addAgents(*allocator, agents, frameworks);
    state.PauseTiming();
    allocator.reset();
    state.ResumeTiming();
  }
}

#define SHAPES Args({1000, 100})->Args({10000, 1000})->Unit(benchmark::kMillisecond)

BENCHMARK(BM_DeclineOffers)->SHAPES->Iterations(20);
BENCHMARK_CAPTURE(BM_AllFiltered, quiet, 0)->SHAPES->Iterations(10);
BENCHMARK_CAPTURE(BM_AllFiltered, one_update, 1)->SHAPES->Iterations(10);
BENCHMARK_CAPTURE(BM_AllFiltered, full_walk, 100)->SHAPES->Iterations(10);
BENCHMARK(BM_RecoverNoFilter)->SHAPES->Iterations(20);
BENCHMARK(BM_AddAgents)->SHAPES->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
