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
//   AddAgents          adding N agents with M frameworks present; its
//                      bytes/agent counter is the heap the allocator holds
//                      per agent (mallinfo2 before and after adding them).
//   QuotaDeclineOffers DeclineOffers with N roles of one framework each,
//                      every role with a quota (guarantee of a sixth of an
//                      agent, limit of one agent): stage 1, stage 2 and the
//                      limits on every offer.
//   QuotaAtLimit       N roles whose quota limits equal what their tasks
//                      hold, so nothing can be offered: a quiet cycle.
//
// The cycles after offers were given back (DeclineOffers, RecoverNoFilter,
// QuotaDeclineOffers) time allocate() alone; handing the offers back and
// dropping them is the master's work on DECLINE, reported apart as
// declines_cpu_ms (before session 7 the timed region also freed the
// previous cycle's offers).
//
// Run: build/bench/bench_allocator_bench --benchmark_filter=. (one core).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
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

tepui::v1::FrameworkInfo frameworkInfo(const std::string& role = "*") {
  tepui::v1::FrameworkInfo info;
  info.set_user("bench");
  info.set_name("bench");
  info.add_roles(role);
  info.add_capabilities()->set_type(tepui::v1::FrameworkInfo::Capability::MULTI_ROLE);
  return info;
}

std::string frameworkId(int i) { return "framework-" + std::to_string(i); }
std::string roleName(int i) { return "team-" + std::to_string(i); }

// Bytes the heap has handed out and not taken back.
double heapInUse() { return static_cast<double>(mallinfo2().uordblks); }
std::string agentId(int i) { return "agent-" + std::to_string(i); }

void addFrameworks(Allocator& allocator, int frameworks) {
  for (int i = 0; i < frameworks; ++i) allocator.addFramework(frameworkId(i), frameworkInfo(), {}, true);
}

const char* kAgent = "cpus:24;mem:4096;disk:4096;ports:[31000-32000]";

const char* kTask = "cpus:1;mem:128;disk:128;ports:[31000-31000]";

// With `tasks`, agent i reports a small task of framework i % frameworks
// (in role team-<that framework> with `rolePerFramework`, else "*").
void addAgents(Allocator& allocator, int agents, int frameworks, bool tasks = true, bool rolePerFramework = false) {
  static const Resources total = parse(kAgent);
  static const Resources task = parse(kTask);
  tepui::v1::AgentInfo info;
  for (int i = 0; i < agents; ++i) {
    info.set_hostname(agentId(i));
    std::map<std::string, Resources> used;
    int f = i % frameworks;
    if (tasks) used.emplace(frameworkId(f), task.allocate(rolePerFramework ? roleName(f) : "*"));
    allocator.addAgent(agentId(i), info, total, used);
  }
}

std::unique_ptr<Allocator> cluster(int agents, int frameworks, bool tasks = true) {
  auto allocator = createHierarchicalDRF({});
  addFrameworks(*allocator, frameworks);
  addAgents(*allocator, agents, frameworks, tasks);
  return allocator;
}

// The timed cycles of DeclineOffers (refuse = a long filter) and
// RecoverNoFilter (none): before each (untimed, but its CPU time is the
// declines_cpu_ms counter), every offer of the previous cycle is handed back
// and then dropped, as a master drops a declined offer when it handles the
// DECLINE. The timed region is allocate() alone: the cycle, and the
// allocations it returns, built in full.
void recoverAndReallocate(benchmark::State& state, Allocator& allocator, std::optional<double> refuse) {
  double now = 0;
  std::vector<Allocation> offers = allocator.allocate(now);
  size_t offered = 0;
  double declineSeconds = 0;  // the master's side: handing the declines back (CPU time)
  for (auto _ : state) {
    state.PauseTiming();
    double start = threadCpuSeconds();
    for (const auto& o : offers) allocator.recoverResources(o.frameworkId, o.agentId, o.resources, refuse, now);
    std::vector<Allocation>().swap(offers);
    declineSeconds += threadCpuSeconds() - start;
    now += 1;
    state.ResumeTiming();
    offers = allocator.allocate(now);
    offered += offers.size();
  }
  state.counters["offers/cycle"] = static_cast<double>(offered) / static_cast<double>(state.iterations());
  state.counters["declines_cpu_ms"] = 1000 * declineSeconds / static_cast<double>(state.iterations());
}

void BM_DeclineOffers(benchmark::State& state) {
  auto allocator = cluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  recoverAndReallocate(state, *allocator, kLongFilter);
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
  auto allocator = cluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  recoverAndReallocate(state, *allocator, std::nullopt);
}

void BM_AddAgents(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int frameworks = static_cast<int>(state.range(1));
  double bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto allocator = createHierarchicalDRF({});
    addFrameworks(*allocator, frameworks);
    double before = heapInUse();
    state.ResumeTiming();
    addAgents(*allocator, agents, frameworks);
    state.PauseTiming();
    bytes += heapInUse() - before;
    allocator.reset();
    state.ResumeTiming();
  }
  state.counters["bytes/agent"] = bytes / static_cast<double>(state.iterations()) / agents;
}

// `roles` roles team-0.. of one framework each, every one with a quota, and
// as many agents, agent i holding a task of team-i. Shares the agent and
// task shapes above.
std::unique_ptr<Allocator> quotaCluster(int roles, const QuotaConfig& each) {
  auto allocator = createHierarchicalDRF({});
  std::vector<QuotaConfig> configs;
  for (int i = 0; i < roles; ++i) {
    allocator->addFramework(frameworkId(i), frameworkInfo(roleName(i)), {}, true);
    configs.push_back(each);
    configs.back().role = roleName(i);
  }
  allocator->updateQuota(configs);
  addAgents(*allocator, roles, roles, /*tasks=*/true, /*rolePerFramework=*/true);
  return allocator;
}

void BM_QuotaDeclineOffers(benchmark::State& state) {
  const int roles = static_cast<int>(state.range(0));
  auto allocator = quotaCluster(roles, {"", {{"cpus", 4}, {"mem", 512}}, {{"cpus", 24}, {"mem", 4096}}});
  recoverAndReallocate(state, *allocator, kLongFilter);
}

void BM_QuotaAtLimit(benchmark::State& state) {
  const int roles = static_cast<int>(state.range(0));
  auto allocator = quotaCluster(roles, {"", {}, {{"cpus", 1}, {"mem", 128}, {"disk", 128}}});
  double now = 0;
  state.counters["first_cycle_offers"] = static_cast<double>(allocator->allocate(now).size());  // settles them all
  size_t offered = 0;
  for (auto _ : state) offered += allocator->allocate(++now).size();
  state.counters["offers/cycle"] = static_cast<double>(offered) / static_cast<double>(state.iterations());
}

#define SHAPES Args({1000, 100})->Args({10000, 1000})->Unit(benchmark::kMillisecond)

BENCHMARK(BM_DeclineOffers)->SHAPES->Iterations(20);
BENCHMARK_CAPTURE(BM_AllFiltered, quiet, 0)->SHAPES->Iterations(10);
BENCHMARK_CAPTURE(BM_AllFiltered, one_update, 1)->SHAPES->Iterations(10);
BENCHMARK_CAPTURE(BM_AllFiltered, full_walk, 100)->SHAPES->Iterations(10);
BENCHMARK(BM_RecoverNoFilter)->SHAPES->Iterations(20);
BENCHMARK(BM_AddAgents)->SHAPES->Iterations(3);

// The sizes of the allocator's aim beyond 10k x 1k.
BENCHMARK(BM_DeclineOffers)->Args({20000, 1000})->Args({10000, 3000})->Unit(benchmark::kMillisecond)->Iterations(10);
BENCHMARK(BM_AddAgents)->Args({20000, 1000})->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_QuotaDeclineOffers)->Arg(3000)->Unit(benchmark::kMillisecond)->Iterations(10);
BENCHMARK(BM_QuotaAtLimit)->Arg(3000)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace

BENCHMARK_MAIN();
