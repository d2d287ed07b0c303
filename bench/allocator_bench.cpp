// Allocator benchmarks in the shape of Mesos's DeclineOffers: N agents of
// "cpus:24;mem:4096;disk:4096;ports:[31000-32000]", M frameworks in one role,
// each agent starting with a small task of one framework (round robin).
//
//   DeclineOffers      a cycle after every previous offer was declined with a
//                      long filter: each agent goes to a framework that has
//                      not refused it yet (the walk skips those that have).
//   AllFiltered/walk   every framework has refused every agent (N*M filters);
//                      a no-op UPDATE_FRAMEWORK forces every agent to be
//                      examined again: the cycle checks N*M filters and
//                      offers nothing.
//   AllFiltered/quiet  the same state, nothing changed since the last cycle.
//   RecoverNoFilter    a cycle after every offer was given back without a
//                      filter: every agent is offered again.
//   AddAgents          adding N agents with M frameworks present.
//
// Run: build/bench/bench_allocator_bench --benchmark_filter=. (one core).
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "allocator/allocator.hpp"

namespace {

using tepui::Resources;
using namespace tepui::allocator;

constexpr double kLongFilter = 1e6;

Resources parse(const char* text) { return *Resources::parse(text); }

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
  for (auto _ : state) {
    state.PauseTiming();
    for (const auto& o : offers) allocator->recoverResources(o.frameworkId, o.agentId, o.resources, kLongFilter, now);
    now += 1;
    state.ResumeTiming();
    offers = allocator->allocate(now);
    offered += offers.size();
  }
  state.counters["offers/cycle"] = static_cast<double>(offered) / static_cast<double>(state.iterations());
}

void BM_AllFiltered(benchmark::State& state, bool walk) {
  const int agents = static_cast<int>(state.range(0));
  const int frameworks = static_cast<int>(state.range(1));
  auto setupStart = std::chrono::steady_clock::now();
  auto allocator = cluster(agents, frameworks, /*tasks=*/false);
  // Every framework declines every whole agent for long. Recovering what is
  // not allocated is what a late DECLINE does: it only installs the filter.
  const Resources whole = parse(kAgent).allocate("*");
  for (int a = 0; a < agents; ++a) {
    for (int f = 0; f < frameworks; ++f) allocator->recoverResources(frameworkId(f), agentId(a), whole, kLongFilter, 0);
  }
  allocator->allocate(1);
  double setupSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - setupStart).count();
  const auto info = frameworkInfo();
  double now = 2;
  size_t offered = 0;
  for (auto _ : state) {
    if (walk) {
      state.PauseTiming();
      allocator->updateFramework(frameworkId(0), info, {});
      state.ResumeTiming();
    }
    offered += allocator->allocate(now++).size();
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
BENCHMARK_CAPTURE(BM_AllFiltered, walk, true)->SHAPES->Iterations(10);
BENCHMARK_CAPTURE(BM_AllFiltered, quiet, false)->SHAPES->Iterations(10);
BENCHMARK(BM_RecoverNoFilter)->SHAPES->Iterations(20);
BENCHMARK(BM_AddAgents)->SHAPES->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
