// The master: pools agents' resources, offers them to frameworks through the
// allocator, launches and tracks tasks, and serves the v1 scheduler API, the
// agents' internal endpoint and the read-only operator endpoints.
//
// Threading: everything runs on the io_context given to create(), which one
// thread runs (the master's event loop). Nothing here blocks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/result.hpp"

namespace tepui::master {

struct MasterFlags {
  std::string ip = "0.0.0.0";
  uint16_t port = 5050;
  std::string hostname;  // default: the machine's host name
  std::string work_dir;
  // "zk://host:port[,host:port]/path": contend for leadership there and
  // keep the registry in ZooKeeper. Empty: a single master.
  std::string zk;
  int quorum = 0;  // accepted with --zk for Mesos command lines; ZooKeeper's own quorum makes the registry durable
  Seconds zk_session_timeout{10.0};
  Seconds allocation_interval{1.0};
  std::optional<Seconds> offer_timeout;
  Seconds agent_ping_timeout{15.0};
  int max_agent_ping_timeouts = 5;
  // After a restart, how long an agent the registry admitted has to
  // register again before it is marked unreachable.
  Seconds agent_reregister_timeout{600.0};
  // Unreachable and gone agents are forgotten by the registry after this
  // long, or beyond this many of each (the oldest first); checked every
  // --registry_gc_interval.
  Seconds registry_max_agent_age{14 * 86400.0};
  int registry_max_agent_count = 100 * 1024;
  Seconds registry_gc_interval{900.0};
  std::string min_allocatable_resources = "cpus:0.01|mem:32";
  std::string weights;  // "role=weight,role=weight"
  std::string fair_sharing_excluded_resource_names;
  int max_operator_event_stream_subscribers = 1000;
  int max_completed_frameworks = 50;
  int max_completed_tasks_per_framework = 1000;
  int max_unreachable_tasks_per_framework = 1000;
  std::string cluster;
};

void registerFlags(FlagSet& flags, MasterFlags& values);

class Master {
 public:
  virtual ~Master() = default;
  // Binds the HTTP port (port 0 picks a free one) and starts serving.
  static Result<std::unique_ptr<Master>> create(boost::asio::io_context& io, MasterFlags flags,
                                                FlagSet* flagSet = nullptr);
  virtual uint16_t port() const = 0;
  // Closes every connection and cancels every timer; the io_context can then
  // run out.
  virtual void stop() = 0;
  // With --zk: whether this master leads now (always true without).
  virtual bool leading() const = 0;
  // Called (on the loop) when the master stopped because it cannot go on:
  // it lost its ZooKeeper session, or could not recover the registry when
  // elected. Its supervisor should start it again.
  virtual void onFatal(std::function<void(const std::string&)> callback) = 0;
};

}  // namespace tepui::master
