// The agent: offers one machine's resources to the master, runs executors
// and their tasks in sandboxes under --work_dir, serves the v1 executor API
// to them, and reports task status reliably (status_update_manager.hpp).
//
// The agent dials the master (POST /internal/agent, a long-lived event
// stream) and re-registers with backoff, keeping its agent id, whenever the
// link drops. Everything runs on the io_context given to create().
//
// It checkpoints its id and what runs for checkpointing frameworks under
// --work_dir/meta (agent_state.hpp). A restarted agent (--recover=reconnect)
// keeps its id, re-attaches to the executors that outlived it and registers
// again with their tasks; create() fails when the checkpointed resources or
// attributes differ from the flags'.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/result.hpp"

namespace tepui::agent {

struct AgentFlags {
  std::string master;  // host:port, or zk://host:port[,host:port]/path to follow the leading master
  Seconds zk_session_timeout{10.0};
  std::string ip = "0.0.0.0";
  uint16_t port = 5051;
  std::string advertise_ip;  // what the master and executors use to reach us
  std::string hostname;
  std::string work_dir = "/tmp/tepui-agent";
  std::string resources;   // text or JSON; empty: detected
  std::string attributes;  // "rack:a;zone:b"
  std::string default_role = "*";
  std::string launcher;  // the tepui binary executors run from; default: this one
  Seconds executor_registration_timeout{60.0};
  Seconds executor_shutdown_grace_period{5.0};
  Seconds executor_reregistration_timeout{2.0};  // after a restart; at most 15 s, as Mesos
  std::string recover = "reconnect";             // or "cleanup"
  Seconds executor_heartbeat_interval{1800.0};   // HEARTBEAT events to subscribed executors
  Seconds status_update_retry_interval{10.0};
  bool switch_user = true;
  std::string fetcher_cache_dir;           // empty: <work_dir>/fetch
  std::string fetcher_cache_size = "2GB";  // Mesos's byte-size syntax (agent/byte_size.hpp)
  // containerizer/containerizer.hpp
  std::string containerizers = "mesos";
  std::string isolation = "posix/cpu,posix/mem";
  std::string cgroups_root = "tepui";  // each agent on a host needs its own
  bool cgroups_enable_cfs = false;
  Seconds container_disk_watch_interval{15.0};  // disk/du
  bool enforce_container_disk_quota = false;
  Seconds container_ports_watch_interval{30.0};  // network/ports
  bool enforce_container_ports = false;
  bool check_agent_port_range_only = false;
};

void registerFlags(FlagSet& flags, AgentFlags& values);

class Agent {
 public:
  virtual ~Agent() = default;
  static Result<std::unique_ptr<Agent>> create(boost::asio::io_context& io, AgentFlags flags,
                                               FlagSet* flagSet = nullptr);
  virtual uint16_t port() const = 0;
  virtual std::string id() const = 0;  // empty until registered
  virtual bool registered() const = 0;
  // Kills every executor and closes every connection (SIGUSR1 to `tepui
  // agent`, and `tepui local`'s agents when it stops).
  virtual void stop() = 0;
  // Closes every connection but leaves the executors of checkpointing
  // frameworks running, for the agent restarted with the same work dir to
  // re-attach to (--recover=reconnect); kills the others, which could not
  // be recovered. SIGTERM and SIGINT to `tepui agent` do this, as a Mesos
  // agent exits on them and leaves its checkpointed executors to the next.
  virtual void detach() = 0;
  // Called if the master tells the agent to shut down (it was removed).
  virtual void onShutdown(std::function<void(const std::string& why)> callback) = 0;
};

}  // namespace tepui::agent
